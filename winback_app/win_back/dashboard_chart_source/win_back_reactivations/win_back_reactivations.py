"""Dashboard chart source: patients who came back, per week, one bar series per campaign (last 12 weeks)."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate
from frappe.utils.dashboard import cache_source

from winback_app.infra.access import staff_only

WEEKS = 12


@frappe.whitelist()
@staff_only  # before the cache: a cached chart is still only for staff
@cache_source
def get(
	chart_name: str | None = None,
	chart: str | dict | None = None,
	no_cache: bool | None = None,
	filters: str | dict | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: str | None = None,
) -> dict:
	today = getdate()
	first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
	Lapse = DocType("Patient Lapse")
	rows = (
		frappe.qb.from_(Lapse)
		.select(Lapse.segment, Lapse.reactivated_on)
		.where(Lapse.reactivated_on >= first_monday)
		.where(Lapse.holdout == 0)
		.run()
	)
	weeks = [first_monday + timedelta(weeks=i) for i in range(WEEKS)]
	series: dict[str, list[int]] = {}
	for segment, day in rows:
		index = (getdate(day) - first_monday).days // 7
		series.setdefault(segment, [0] * WEEKS)[index] += 1
	return {
		"labels": [frappe.utils.format_date(w, "d MMM") for w in weeks],
		"datasets": [{"name": name, "values": values} for name, values in sorted(series.items())],
	}
