"""Sites installed before Campaign Segment > Pace: the shipped nightly campaigns that are still switched off get the
shipped pace (40 new patients a day, 1 per 2 free slots over 14 days), so switching one on works off its backlog
over weeks instead of texting all of it the next morning.

The new columns came with their defaults on existing rows (every weekday ticked, 14 days, no daily limit, no
pacing by slots). A campaign that is switched on, is not one of the shipped ones, or already has a pace set is the
clinic's and is left exactly as it is."""

import frappe
from frappe.query_builder import DocType

from winback_app.setup.default_segments import DEFAULT_SEGMENTS, SHIPPED_PACE


def execute():
	Seg = DocType("Campaign Segment")
	shipped = [s["segment_name"] for s in DEFAULT_SEGMENTS if "daily_intake_cap" in s]
	if not shipped:
		return
	query = frappe.qb.update(Seg)
	for field, value in SHIPPED_PACE.items():
		query = query.set(Seg[field], value)
	(
		query.where(Seg.name.isin(shipped))
		.where(Seg.enabled == 0)
		.where(Seg.daily_intake_cap == 0)
		.where(Seg.pace_slots_per_patient == 0)
		.run()
	)
	frappe.clear_cache(doctype="Campaign Segment")
