"""Test tiers. tests/unit needs nothing but Python; tests/integration needs a Frappe bench (see its conftest)."""
