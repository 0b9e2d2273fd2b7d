"""Listeners: poll public sources for brand mentions."""
