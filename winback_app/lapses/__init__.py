"""Patient Lapse episodes: their lifecycle (the one writer of their status) and their outcomes."""
