"""Bring a site installed before a field or segment existed up to date: the same idempotent seeding as install."""

from winback_app.install import seed


def execute():
	seed()
