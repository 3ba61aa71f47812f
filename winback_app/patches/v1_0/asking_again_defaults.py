"""Sites installed before Win-Back Settings > Asking Again: the three restraint numbers get their defaults, once.

frappe sets a Single's defaults only when the document is first made; a field added later reads 0, which would
switch the rules off. A value a manager saved (0 included) is left alone."""

import frappe
from frappe.query_builder import DocType

DEFAULTS = {
	"rest_after_unanswered_days": 365,
	"rest_from_other_campaigns_days": 120,
	"max_unanswered_cycles": 3,
}


def execute():
	Singles = DocType("Singles")
	saved = set(
		frappe.qb.from_(Singles)
		.select(Singles.field)
		.where(Singles.doctype == "Win-Back Settings")
		.where(Singles.field.isin(list(DEFAULTS)))
		.run(pluck=True)
	)
	for field, value in DEFAULTS.items():
		if field not in saved:
			frappe.db.set_single_value("Win-Back Settings", field, value)
