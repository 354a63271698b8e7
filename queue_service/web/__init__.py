"""Blueprints of the queue core (auth, admin, api, counter, display, status)."""
