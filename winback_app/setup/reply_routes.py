"""Seed Win-Back Settings > Reply routes with the defaults of engine/routing.py, once.

Clinical and urgent texts go to the host's clinical roles (healthcare's Physician and Nursing User), billing to
ERPNext's Accounts User; every other category reaches the front desk by fallback. Called from after_install and
from one patch (never after_migrate): a route a manager removed must not come back on the next migrate. Rows are
written as child rows directly, so an older site's settings (an http public address, say) cannot make install
or migrate fail on a save it did not ask for. Only roles that exist on the site are seeded.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from winback_app.engine.routing import default_routes

Route = DocType("Win-Back Reply Route")
Role = DocType("Role")
SETTINGS = "Win-Back Settings"


def seed_reply_routes() -> int:
	"""Insert the default routes when the table is empty. Returns how many rows were added."""
	if frappe.qb.from_(Route).select(Route.name).where(Route.parent == SETTINGS).limit(1).run():
		return 0
	roles = frappe.qb.from_(Role).select(Role.name).run(pluck=True)
	for idx, route in enumerate(default_routes(roles), start=1):
		frappe.get_doc(
			{
				"doctype": "Win-Back Reply Route",
				"parent": SETTINGS,
				"parenttype": SETTINGS,
				"parentfield": "reply_routes",
				"idx": idx,
				"category": route.category,
				"role": route.role or None,
				"user": route.user or None,
			}
		).db_insert()
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	return len(default_routes(roles))
