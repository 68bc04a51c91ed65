"""The HTTP layer: one package per API version, and what the versions share
(dependencies, error bodies, documentation, the redirects from the old paths)."""
