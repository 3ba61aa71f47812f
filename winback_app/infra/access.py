"""Who may call what: the role checks of the app's whitelisted methods, charts and report.

frappe.only_for() does nothing while tests run (frappe.flags.in_test), so a check built on it can never be proved;
these checks behave the same in tests and in production. Administrator passes, as everywhere in frappe.
A whitelisted method without allow_guest is still open to every signed-in user, website users (patients with
a portal account) included: every method of this app that reads win-back data asks here first.
"""

from __future__ import annotations

from functools import wraps

import frappe
from frappe import _

MANAGERS = ("Win-Back Manager", "System Manager")
STAFF = ("Win-Back Manager", "Win-Back Agent", "System Manager")


def has_role(roles: tuple[str, ...], user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	return not set(roles).isdisjoint(frappe.get_roles(user))


def require(roles: tuple[str, ...]) -> None:
	"""Raise frappe.PermissionError unless the session user holds one of these roles."""
	if not has_role(roles):
		frappe.throw(
			_("Only {0} may do this.").format(", ".join(_(r) for r in roles)),
			frappe.PermissionError,
			title=_("Not permitted"),
		)


def staff_only(fn):
	"""For methods (chart sources) whose results may be cached: the check runs before any cache is read."""

	@wraps(fn)
	def wrapper(*args, **kwargs):
		require(STAFF)
		return fn(*args, **kwargs)

	return wrapper
