"""How the shop's records are stored and read: the tables, and the repository
both API versions go through."""
