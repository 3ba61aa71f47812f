"""New Patient Funnel: per source, how many leads reached us, were answered, booked and came to a first visit,
and how long the first answer took (median, from their message or our record of them to our first text).

One grouped read of the Win-Back Leads that reached us in the period; the counts and the median come from
engine/leads.funnel. A lead counts as booked when an appointment was made for them (any source: a text, the
booking page, the desk), and as came when that appointment's visit happened (leads/outcomes.py).
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, flt, getdate

from winback_app.engine import leads as rules
from winback_app.infra.access import MANAGERS, require

WLead = DocType("Win-Back Lead")


def execute(filters=None):
	require(MANAGERS)
	filters = frappe._dict(filters or {})
	rows = compute(filters)
	return columns(), rows, None, chart(rows)


def compute(filters) -> list[dict]:
	query = frappe.qb.from_(WLead).select(
		WLead.source, WLead.status, WLead.received_on, WLead.answered_on, WLead.booked_on, WLead.came_on
	)
	if filters.get("from_date"):
		query = query.where(WLead.received_on >= getdate(filters.from_date))
	if filters.get("to_date"):
		query = query.where(WLead.received_on < add_days(getdate(filters.to_date), 1))
	facts = [
		(
			source,
			status,
			received,
			answered,
			bool(booked_on) or status in (rules.BOOKED, rules.CAME),
			bool(came),
		)
		for source, status, received, answered, booked_on, came in query.run()
	]
	rows = [row(r, _(r.source)) for r in rules.funnel(facts)]
	if len(rows) > 1:  # every source together (its median is the median of all leads, not a sum)
		everyone = rules.funnel([(ALL, *fact[1:]) for fact in facts])[0]
		rows.append(row(everyone, _("All sources")))
	return rows


ALL = "All sources"


def row(r: rules.FunnelRow, label: str) -> dict:
	return {
		"source": label,
		"leads": r.leads,
		"answered": r.answered,
		"booked": r.booked,
		"came": r.came,
		"booked_rate": flt(100 * r.booked / r.leads, 1) if r.leads else 0,
		"came_rate": flt(100 * r.came / r.leads, 1) if r.leads else 0,
		"median_minutes_to_answer": flt(r.median_minutes_to_answer, 1)
		if r.median_minutes_to_answer is not None
		else None,
	}


def columns() -> list[dict]:
	return [
		{"fieldname": "source", "label": _("Source"), "fieldtype": "Data", "width": 200},
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 90},
		{"fieldname": "answered", "label": _("Answered"), "fieldtype": "Int", "width": 100},
		{"fieldname": "booked", "label": _("Booked"), "fieldtype": "Int", "width": 90},
		{"fieldname": "came", "label": _("Came"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "booked_rate",
			"label": _("Booked %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "came_rate",
			"label": _("Came %"),
			"fieldtype": "Percent",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "median_minutes_to_answer",
			"label": _("Median minutes to first answer"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 220,
		},
	]


def chart(rows: list[dict]) -> dict | None:
	if not rows:
		return None
	return {
		"data": {
			"labels": [_("Leads"), _("Answered"), _("Booked"), _("Came")],
			"datasets": [
				{"name": r["source"], "values": [r["leads"], r["answered"], r["booked"], r["came"]]}
				for r in rows
				if r["source"] != _(ALL)
			],
		},
		"type": "bar",
	}
