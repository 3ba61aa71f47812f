"""Reactivation by Segment: what each campaign brought back, against its holdout, and the revenue it recovered.

Counts come from a fixed number of grouped queries over the lapses that joined in the period (not one query
per lapse); the rates, the lift over the holdout and its 95% interval come from engine/measure.py.
Definitions: contacted = at least one message or call task went out; delivered = Twilio confirmed a delivery;
replied = the patient texted back; booked = an appointment was made during the lapse; reactivated = a real
visit happened (a patient who came back counts as booked too). Revenue = the paid part (grand total less outstanding) of the patient's submitted Sales
Invoices dated from the visit up to the attribution window (Win-Back Settings, 90 days by default).
"""

from __future__ import annotations

from collections import defaultdict

from pypika.terms import Case, Interval

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, cint, flt, getdate

from winback_app.engine import lifecycle as lc
from winback_app.engine.measure import GroupCounts, lift
from winback_app.infra.access import MANAGERS, require
from winback_app.settings import get_settings

Lapse = DocType("Patient Lapse")
Attempt = DocType("Win-Back Contact Attempt")
Reply = DocType("Win-Back SMS Reply")
Invoice = DocType("Sales Invoice")
SENT = ("Sent", "Delivered")


def execute(filters=None):
	# frappe's report runner checks the report's roles; this holds for every other way in (prepared reports,
	# a direct import) too.
	require(MANAGERS)
	filters = frappe._dict(filters or {})
	rows = compute(filters)
	return columns(filters), rows, None, chart(rows), summary(rows)


def lapses_query(filters):
	query = (
		frappe.qb.from_(Lapse)
		.where(Lapse.detected_on >= getdate(filters.from_date))
		.where(Lapse.detected_on < add_days(getdate(filters.to_date), 1))
	)
	for field in ("segment", "practitioner", "company"):
		if filters.get(field):
			query = query.where(Lapse[field] == filters.get(field))
	return query


def compute(filters) -> list[dict]:
	by_cycle = filters.get("group_by") == "Campaign and cycle"
	lapses = (
		lapses_query(filters)
		.select(
			Lapse.name,
			Lapse.segment,
			Lapse.cycle,
			Lapse.holdout,
			Lapse.status,
			Lapse.replied_on,
			Lapse.booked_on,
			Lapse.reactivated_on,
			Lapse.leave_reason,
		)
		.run(as_dict=True)
	)
	if not lapses:
		return []
	contacted = dict(
		lapses_query(filters)
		.join(Attempt)
		.on(Attempt.lapse == Lapse.name)
		.select(Lapse.name, Sum(Case().when(Attempt.status == "Delivered", 1).else_(0)))
		.where(Attempt.status.isin(SENT))
		.where(Attempt.provider != "Outbox")
		.groupby(Lapse.name)
		.run()
	)
	outbox = set(
		lapses_query(filters)
		.join(Attempt)
		.on(Attempt.lapse == Lapse.name)
		.select(Lapse.name)
		.distinct()
		.where(Attempt.status.isin(SENT))
		.where(Attempt.provider == "Outbox")
		.run(pluck=True)
	)
	replied = set(
		lapses_query(filters)
		.join(Reply)
		.on(Reply.lapse == Lapse.name)
		.select(Lapse.name)
		.distinct()
		.run(pluck=True)
	)
	revenue = revenue_by_lapse(filters)

	groups: dict[tuple, dict] = {}
	reasons: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
	for lapse in lapses:
		key = (lapse.segment, lapse.cycle if by_cycle else "")
		g = groups.setdefault(
			key,
			dict.fromkeys(
				(
					"lapses",
					"holdout",
					"holdout_reactivated",
					"contacted",
					"outbox",
					"delivered",
					"replied",
					"booked",
					"reactivated",
					"opted_out",
				),
				0,
			)
			| {"revenue": 0.0},
		)
		g["lapses"] += 1
		if lapse.holdout:
			g["holdout"] += 1
			g["holdout_reactivated"] += bool(lapse.reactivated_on)
			continue
		g["contacted"] += lapse.name in contacted
		g["outbox"] += lapse.name in outbox and lapse.name not in contacted
		g["delivered"] += bool(cint(contacted.get(lapse.name)))
		g["replied"] += bool(lapse.replied_on) or lapse.name in replied
		g["booked"] += bool(lapse.booked_on or lapse.reactivated_on)  # whoever came back had booked
		g["reactivated"] += bool(lapse.reactivated_on)
		g["opted_out"] += lapse.status == lc.OPTED_OUT
		g["revenue"] += revenue.get(lapse.name, 0.0)
		if lapse.leave_reason:
			reasons[key][lapse.leave_reason] += 1

	rows = []
	for (segment, cycle), g in sorted(groups.items()):
		treated = GroupCounts(g["lapses"] - g["holdout"], g["reactivated"])
		held = GroupCounts(g["holdout"], g["holdout_reactivated"])
		measured = lift(treated, held)
		rows.append(
			{
				"segment": segment,
				"cycle": cycle,
				**{k: v for k, v in g.items() if k != "holdout_reactivated"},
				"reasons": ", ".join(
					f"{_(r)} {n}" for r, n in sorted(reasons[(segment, cycle)].items(), key=lambda x: -x[1])
				),
				"reactivation_rate": pct(measured.treated_rate),
				"holdout_rate": pct(measured.holdout_rate),
				"lift": pct(measured.lift),
				"lift_low": pct(measured.low),
				"lift_high": pct(measured.high),
			}
		)
	return rows


def revenue_by_lapse(filters) -> dict[str, float]:
	"""Paid amounts of each reactivated lapse's invoices within the attribution window, one grouped query."""
	days = cint(get_settings().attribution_days) or 90
	paid = Invoice.grand_total - Invoice.outstanding_amount
	rows = (
		lapses_query(filters)
		.join(Invoice)
		.on(
			(Invoice.patient == Lapse.patient)
			& (Invoice.docstatus == 1)
			& (Invoice.posting_date >= Lapse.reactivated_on)
			& (Invoice.posting_date <= Lapse.reactivated_on + Interval(days=days))
		)
		.select(Lapse.name, Sum(paid), Count(Invoice.name))
		.where(Lapse.reactivated_on.isnotnull())
		.where(Lapse.holdout == 0)
		.groupby(Lapse.name)
		.run()
	)
	return {name: flt(amount) for name, amount, _n in rows}


def pct(value: float | None):
	return None if value is None else round(value * 100, 1)


def columns(filters) -> list[dict]:
	cols = [
		{
			"fieldname": "segment",
			"label": _("Campaign"),
			"fieldtype": "Link",
			"options": "Campaign Segment",
			"width": 200,
		}
	]
	if filters.get("group_by") == "Campaign and cycle":
		cols.append({"fieldname": "cycle", "label": _("Cycle"), "fieldtype": "Data", "width": 80})
	cols += [
		{"fieldname": "lapses", "label": _("Lapsed patients"), "fieldtype": "Int", "width": 110},
		{"fieldname": "holdout", "label": _("Holdout"), "fieldtype": "Int", "width": 80},
		{"fieldname": "contacted", "label": _("Contacted"), "fieldtype": "Int", "width": 90},
		{"fieldname": "outbox", "label": _("Outbox only"), "fieldtype": "Int", "width": 90},
		{"fieldname": "delivered", "label": _("Delivered"), "fieldtype": "Int", "width": 90},
		{"fieldname": "replied", "label": _("Replied"), "fieldtype": "Int", "width": 80},
		{"fieldname": "booked", "label": _("Booked"), "fieldtype": "Int", "width": 80},
		{"fieldname": "reactivated", "label": _("Came back"), "fieldtype": "Int", "width": 90},
		{"fieldname": "opted_out", "label": _("Opted out"), "fieldtype": "Int", "width": 80},
		{"fieldname": "reasons", "label": _("Reasons for leaving"), "fieldtype": "Data", "width": 160},
		{
			"fieldname": "reactivation_rate",
			"label": _("Came back %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "holdout_rate",
			"label": _("Holdout came back %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 130,
		},
		{
			"fieldname": "lift",
			"label": _("Lift (points)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "lift_low",
			"label": _("Lift 95% low"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "lift_high",
			"label": _("Lift 95% high"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{"fieldname": "revenue", "label": _("Revenue recovered"), "fieldtype": "Currency", "width": 130},
	]
	return cols


def chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	labels = [r["segment"] + (f" {r['cycle']}" if r.get("cycle") else "") for r in rows]
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("Contacted: came back %"), "values": [r["reactivation_rate"] or 0 for r in rows]},
				{"name": _("Holdout: came back %"), "values": [r["holdout_rate"] or 0 for r in rows]},
			],
		},
		"type": "bar",
		"fieldtype": "Percent",
		"colors": ["#2563eb", "#9ca3af"],
	}


def summary(rows: list[dict]) -> list[dict]:
	total = lambda key: sum(r.get(key) or 0 for r in rows)  # noqa: E731
	return [
		{"label": _("Lapsed patients"), "value": total("lapses"), "datatype": "Int"},
		{"label": _("Came back"), "value": total("reactivated"), "datatype": "Int", "indicator": "Green"},
		{"label": _("Revenue recovered"), "value": total("revenue"), "datatype": "Currency"},
	]
