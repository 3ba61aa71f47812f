"""Handlers for ERPNext doctypes (wired in hooks.py doc_events): Lead and Call Log start new-patient leads."""
