"""Replies: what happens to a patient's text after the webhook recorded it (handling, answers, routing, reminders)."""
