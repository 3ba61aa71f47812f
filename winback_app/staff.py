"""Who on the clinic's staff gets what: the one place that turns Win-Back Settings and roles into users.

front_desk_users(): replies that need a person, call tasks and online-booking alerts (the configured user, else
every Win-Back Agent, else every Win-Back Manager, else Administrator, so a task always reaches somebody).
managers(): sending alerts and replies nobody answered (every Win-Back Manager, else Administrator).
reply_readers(category): who reads a reply of this category (Win-Back Settings > Reply routes, decided by
engine/routing.py: the route's users and roles, else the front desk, the managers, Administrator).
users_with(role): every enabled user holding a role, in name order.

Reads only; the callers assign, notify or alert.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from winback_app.engine import routing
from winback_app.settings import get_settings

AGENT_ROLE = "Win-Back Agent"
MANAGER_ROLE = "Win-Back Manager"
HasRole = DocType("Has Role")
User = DocType("User")


def front_desk_users(settings=None) -> list[str]:
	"""The configured user (Win-Back Settings > "Assign replies and calls to"), else the agents, else the
	managers, else Administrator. settings: the Settings the caller already read, if any."""
	configured = (settings or get_settings()).front_desk_user
	if configured:
		return [configured]
	for role in (AGENT_ROLE, MANAGER_ROLE):
		users = users_with(role)
		if users:
			return users
	return ["Administrator"]


def managers() -> list[str]:
	"""Enabled users with the Win-Back Manager role, else Administrator."""
	return users_with(MANAGER_ROLE) or ["Administrator"]


def reply_readers(category: str, settings=None) -> routing.Routed:
	"""The people a reply of this category goes to, and how they were found (engine.routing.route)."""
	settings = settings or get_settings()
	routes = [
		routing.Route(row.category, role=row.role or "", user=row.user or "")
		for row in settings.get("reply_routes") or ()
	]
	roles = routing.roles_for(category, routes)
	named = sorted({r.user for r in routes if r.category == category and r.user})
	enabled = (
		set(
			frappe.qb.from_(User)
			.select(User.name)
			.where(User.name.isin(named))
			.where(User.enabled == 1)
			.run(pluck=True)
		)
		if named
		else set()
	)
	desk = [settings.front_desk_user] if settings.front_desk_user else users_with(AGENT_ROLE)
	found = routing.route(
		category,
		routes,
		role_users={role: users_with(role) for role in roles},
		enabled_users=enabled,
		front_desk=desk,
	)
	if found.via == routing.VIA_ADMINISTRATOR:  # the managers are read only when nobody else was found
		found = routing.route(
			category,
			routes,
			role_users={role: users_with(role) for role in roles},
			enabled_users=enabled,
			managers=users_with(MANAGER_ROLE),
		)
	return found


def users_with(role: str) -> list[str]:
	return (
		frappe.qb.from_(HasRole)
		.join(User)
		.on(User.name == HasRole.parent)
		.select(HasRole.parent)
		.distinct()
		.where(HasRole.role == role)
		.where(HasRole.parenttype == "User")
		.where(User.enabled == 1)
		.orderby(HasRole.parent)
		.run(pluck=True)
	)
