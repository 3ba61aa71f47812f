"""Seed data, not logic: the default campaigns (default_segments.py) and reply routes (reply_routes.py), read by
install.py."""
