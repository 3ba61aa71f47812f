"""Seed data, not logic: the default campaigns (default_segments.py, their Spanish words in default_spanish.py)
and reply routes (reply_routes.py), read by install.py."""
