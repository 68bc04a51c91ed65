"""What the API accepts and returns: the models both versions share, then each
version's own."""
