"""Work that is neither HTTP nor storage: email, background tasks, the first admin."""
