"""Dashboard chart source: the funnel of the last 90 days (joined, contacted, replied, booked, came back)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, getdate
from frappe.utils.dashboard import cache_source

from winback_app.engine.measure import funnel
from winback_app.infra.access import staff_only
from winback_app.win_back.report.reactivation_by_segment.reactivation_by_segment import compute


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
	rows = compute(frappe._dict(from_date=add_days(getdate(), -90), to_date=getdate()))
	total = lambda key: sum(r.get(key) or 0 for r in rows)  # noqa: E731
	stages = funnel(
		{
			_("Joined (contactable)"): total("lapses") - total("holdout"),
			_("Contacted"): total("contacted") + total("outbox"),
			_("Replied"): total("replied"),
			_("Booked"): total("booked"),
			_("Came back"): total("reactivated"),
		}
	)
	return {
		"labels": [s[0] for s in stages],
		"datasets": [{"name": _("Patients"), "values": [s[1] for s in stages]}],
	}
