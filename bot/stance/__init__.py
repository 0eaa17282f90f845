"""Counter-evidence: pure stance rules (`rules`, `cues`, `lexicon`) and the database service
that turns their decisions into `Link` rows (`service`)."""
