"""Who reads a reply: a reply's category -> the people it goes to, through the practice's routes and fallbacks.

One job: route(category, routes, ...) -> Routed. Win-Back Settings > Reply routes maps categories to users or
roles (several rows per category add up); the Frappe side reads the rows and who holds each role, once, and
passes them in. The fallbacks make sure a reply always reaches somebody who can act on it:

    the category's routes (their users, and the enabled users holding their roles)
      -> nobody there (no row, a role nobody holds, a disabled user): the front desk (Settings > Front desk
         user, else every Win-Back Agent)
      -> no front desk: every Win-Back Manager -> no manager: Administrator.

An urgent text also reaches the front desk, whatever its route says: a clinician may be with a patient, and
the front desk can phone the patient back at once. DEFAULT_ROUTES is what a new site starts with (clinical
and urgent to the host's clinical roles, billing to accounts, everything else to the front desk by fallback).
Standard library only; this module never performs I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from winback_app.engine import replies as r

# The host's clinical staff (healthcare's roles) and ERPNext's accounts role.
PHYSICIAN = "Physician"
NURSE = "Nursing User"
ACCOUNTS = "Accounts User"

# (category, role) rows seeded on a new site; a role the site does not have is left out.
DEFAULT_ROUTES: tuple[tuple[str, str], ...] = (
	(r.URGENT_CATEGORY, PHYSICIAN),
	(r.URGENT_CATEGORY, NURSE),
	(r.CLINICAL_CATEGORY, PHYSICIAN),
	(r.CLINICAL_CATEGORY, NURSE),
	(r.BILLING_CATEGORY, ACCOUNTS),
)
# Categories that reach the front desk as well as their route.
ALSO_FRONT_DESK = frozenset({r.URGENT_CATEGORY})

# How a reply found its people (Win-Back SMS Reply.routed_via says which, for the audit trail).
VIA_ROUTE = "Route"
VIA_FRONT_DESK = "Front desk"
VIA_MANAGERS = "Managers"
VIA_ADMINISTRATOR = "Administrator"
ADMINISTRATOR = "Administrator"


@dataclass(frozen=True)
class Route:
	"""One row of Settings > Reply routes: a category, and a user, a role, or both."""

	category: str
	role: str = ""
	user: str = ""


@dataclass(frozen=True)
class Routed:
	users: tuple[str, ...]  # sorted, no repeats, never empty
	via: str  # VIA_ROUTE, VIA_FRONT_DESK, VIA_MANAGERS or VIA_ADMINISTRATOR
	roles: tuple[str, ...] = ()  # the roles the category's routes name (for the audit trail)


def roles_for(category: str, routes: Iterable[Route]) -> tuple[str, ...]:
	"""The roles the routes name for this category (the Frappe side reads who holds them)."""
	return tuple(sorted({route.role for route in routes if route.category == category and route.role}))


def route(
	category: str,
	routes: Iterable[Route],
	*,
	role_users: Mapping[str, Sequence[str]],
	enabled_users: Iterable[str] | None = None,
	front_desk: Sequence[str] = (),
	managers: Sequence[str] = (),
) -> Routed:
	"""The people a reply of this category goes to.

	role_users: {role: enabled users holding it} for (at least) roles_for(category, routes).
	enabled_users: the users a route may name directly (a route's user who is not in it is skipped);
	None trusts the routes' users as they are. front_desk: the configured front-desk user, else the Win-Back
	Agents; managers: the Win-Back Managers (both enabled users only).
	"""
	rows = [row for row in routes if row.category == category]
	allowed = None if enabled_users is None else set(enabled_users)
	found: set[str] = set()
	for row in rows:
		if row.user and (allowed is None or row.user in allowed):
			found.add(row.user)
		if row.role:
			found.update(u for u in role_users.get(row.role, ()) if u)
	roles = roles_for(category, rows)
	desk = {u for u in front_desk if u}
	if found:
		if category in ALSO_FRONT_DESK:
			found |= desk
		return Routed(tuple(sorted(found)), VIA_ROUTE, roles)
	if desk:
		return Routed(tuple(sorted(desk)), VIA_FRONT_DESK, roles)
	bosses = {u for u in managers if u}
	if bosses:
		return Routed(tuple(sorted(bosses)), VIA_MANAGERS, roles)
	return Routed((ADMINISTRATOR,), VIA_ADMINISTRATOR, roles)


def default_routes(existing_roles: Iterable[str]) -> list[Route]:
	"""The rows a new site starts with, keeping only the roles that exist on it."""
	have = set(existing_roles)
	return [Route(category, role=role) for category, role in DEFAULT_ROUTES if role in have]


def describe(routed: Routed) -> str:
	"""One line for the reply's routed_via field: how it found its people."""
	if routed.via == VIA_ROUTE:
		return f"{VIA_ROUTE}: {', '.join(routed.roles)}" if routed.roles else VIA_ROUTE
	if routed.roles:
		return f"{routed.via} (nobody holds {', '.join(routed.roles)})"
	return routed.via
