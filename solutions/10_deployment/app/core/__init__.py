"""What every part of the app stands on: configuration, security, the database
connection and the middleware."""
