"""Document models, split by aggregate."""
