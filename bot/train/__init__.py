"""Training of the models the bot ships (needs the optional `train` extra: torch, transformers)."""
