"""The fact-checking world's formats, built from plain values (no database here):
schema.org ClaimReview (`claimreview`) and W3C Web Annotation (`annotation`), both JSON-LD."""
