"""Opt-outs and flagged numbers: recorded once, effective at once, everywhere.

block_number() is the one writer of Win-Back SMS Opt-Out rows (STOP replies, carrier error 21610, invalid
or wrong numbers, staff). It also stops what was already planned: every Scheduled SMS attempt to that
number is cancelled, and for a real opt-out the patients' open lapses become Opted Out. Attempts already
claimed are stopped by the dispatcher's last look before the provider call.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.phones import patients_for_number

OptOut = DocType("Win-Back SMS Opt-Out")
Attempt = DocType("Win-Back Contact Attempt")
Lapse = DocType("Patient Lapse")
PatientPhone = DocType("Win-Back Patient Phone")
OPEN = ("Open", "In Cadence", "Replied")


def block_number(
	e164: str,
	reason: str = "Opted Out",
	*,
	source: str = "Staff",
	patient: str | None = None,
	words: str = "",
	communication: str | None = None,
) -> bool:
	"""Record that a number must not get texts. Returns True when this changed something (not a repeat)."""
	if not e164:
		return False
	existing = frappe.db.get_value(
		"Win-Back SMS Opt-Out", e164, ["active", "reason"], as_dict=True, for_update=True
	)
	if existing and existing.active and (existing.reason == reason or existing.reason == "Opted Out"):
		return False
	if existing:
		frappe.db.set_value(
			"Win-Back SMS Opt-Out",
			e164,
			{
				"active": 1,
				"reason": reason,
				"source": source,
				"words": words[:140],
				"opted_out_on": now_datetime(),
				"resubscribed_on": None,
				"communication": communication,
			},
		)
	else:
		frappe.get_doc(
			{
				"doctype": "Win-Back SMS Opt-Out",
				"phone": e164,
				"reason": reason,
				"source": source,
				"patient": patient,
				"words": words[:140],
				"communication": communication,
				"opted_out_on": now_datetime(),
			}
		).insert(ignore_permissions=True)
	stop_planned_texts(e164, opted_out=reason == "Opted Out")
	return True


def stop_planned_texts(e164: str, opted_out: bool) -> None:
	patients = patients_for_number(e164)
	if not patients:
		return
	(
		frappe.qb.update(Attempt)
		.set(Attempt.status, "Cancelled")
		.set(Attempt.skip_reason, "Number opted out of texts" if opted_out else "Number cannot get texts")
		.where(Attempt.patient.isin(patients))
		.where(Attempt.channel == "SMS")
		.where(Attempt.status == "Scheduled")
	).run()
	if opted_out:
		# STOP ends everything for the patients on this number: no emails or calls in place of the texts.
		lapses = (
			frappe.qb.from_(Lapse)
			.select(Lapse.name)
			.where(Lapse.patient.isin(patients))
			.where(Lapse.status.isin(OPEN))
			.run(pluck=True)
		)
		if lapses:
			now = now_datetime()
			(
				frappe.qb.update(Lapse)
				.set(Lapse.status, "Opted Out")
				.set(Lapse.closed_on, now)
				.set(Lapse.closed_reason, "Patient opted out")
				.where(Lapse.name.isin(lapses))
			).run()
			(
				frappe.qb.update(Attempt)
				.set(Attempt.status, "Cancelled")
				.set(Attempt.skip_reason, "Patient opted out")
				.where(Attempt.lapse.isin(lapses))
				.where(Attempt.status == "Scheduled")
			).run()


def allow_number(e164: str, *, source: str = "Reply") -> bool:
	"""START / UNSTOP: texts are allowed again. Only SMS: email and do-not-contact are untouched."""
	existing = frappe.db.get_value(
		"Win-Back SMS Opt-Out", e164, ["active", "reason"], as_dict=True, for_update=True
	)
	if not existing or not existing.active or existing.reason != "Opted Out":
		return False
	frappe.db.set_value(
		"Win-Back SMS Opt-Out", e164, {"active": 0, "resubscribed_on": now_datetime(), "source": source}
	)
	return True


def is_blocked(e164: str) -> str | None:
	return frappe.db.get_value("Win-Back SMS Opt-Out", {"name": e164, "active": 1}, "reason")
