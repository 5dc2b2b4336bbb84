"""Writes to sites on a person's behalf: each one audited and clearing the site's cache."""
