"""Opt-outs and flagged numbers: recorded once, effective at once, everywhere.

block_number() records every opt-out and flag the app makes (STOP replies, carrier error 21610, invalid or
wrong numbers, staff) and allow_number() lifts one on START; besides these, only a manager's edit in the desk
(the doctype checks it) and the uninstall archive (optouts_archive.py) write the rows. block_number() also
stops what was already planned, through lapses.lifecycle: every Scheduled SMS attempt to that number is
cancelled, and for a real opt-out the patients' active lapses become Opted Out. Attempts already claimed are
stopped by the dispatcher's last look before the provider call.

The words that asked for it are what a patient typed: stored inert (HTML-escaped, formula-guarded,
engine/untrusted), since the row is written by a bulk INSERT that frappe's sanitizer never sees.
"""

from __future__ import annotations

from pypika import CustomFunction

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.contacts.phones import patients_for_number
from winback_app.engine import lifecycle as lc
from winback_app.engine.phone import normalize
from winback_app.engine.untrusted import as_text
from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS
from winback_app.lapses import lifecycle
from winback_app.settings import phone_region

OptOut = DocType("Win-Back SMS Opt-Out")
Lapse = DocType("Patient Lapse")
PatientPhone = DocType("Win-Back Patient Phone")
OPT_OUT_FIELDS = (
	"phone",
	"reason",
	"source",
	"patient",
	"words",
	"communication",
	"opted_out_on",
	"active",
)
RowCount = CustomFunction("ROW_COUNT", [])


def block_number(
	e164: str,
	reason: str = "Opted Out",
	*,
	source: str = "Staff",
	patient: str | None = None,
	words: str = "",
	communication: str | None = None,
) -> bool:
	"""Record that a number must not get texts. Returns True when this changed something (not a repeat).

	words: the text that asked for it, as typed (it is escaped here, once).

	The row is inserted first (INSERT IGNORE) and only then locked. Reading a missing row FOR UPDATE would take
	a gap lock, and two STOPs from different numbers arriving together would deadlock on their inserts.
	"""
	if not e164 or not normalize(e164, phone_region()):
		return False  # not a number we could ever text
	now, user = now_datetime(), frappe.session.user
	words = as_text(words, 140)
	bulk.insert(
		"Win-Back SMS Opt-Out",
		[*STANDARD_COLUMNS, *OPT_OUT_FIELDS],
		[(e164, now, now, user, user, 0, e164, reason, source, patient, words, communication, now, 1)],
		ignore_duplicates=True,
	)
	if not inserted_a_row():
		existing = frappe.db.get_value(
			"Win-Back SMS Opt-Out", e164, ["active", "reason"], as_dict=True, for_update=True
		)
		if existing.active and (existing.reason == reason or existing.reason == "Opted Out"):
			return False
		frappe.db.set_value(
			"Win-Back SMS Opt-Out",
			e164,
			{
				"active": 1,
				"reason": reason,
				"source": source,
				"words": words,
				"opted_out_on": now,
				"resubscribed_on": None,
				"communication": communication,
			},
		)
	stop_planned_texts(e164, opted_out=reason == "Opted Out")
	return True


def inserted_a_row() -> bool:
	"""Did this session's last INSERT IGNORE write its row (MariaDB's ROW_COUNT(): 0 when it was ignored)?"""
	return bool(frappe.qb.select(RowCount()).run()[0][0])


def stop_planned_texts(e164: str, opted_out: bool) -> None:
	"""The number's planned texts stop; a STOP also ends the active lapses of its patients (lapses.lifecycle)."""
	patients = patients_for_number(e164)
	if not patients:
		return
	lifecycle.cancel_planned_texts(
		patients, "Number opted out of texts" if opted_out else "Number cannot get texts"
	)
	if opted_out:
		# STOP ends everything for the patients on this number: no emails or calls in place of the texts.
		lapses = (
			frappe.qb.from_(Lapse)
			.select(Lapse.name)
			.where(Lapse.patient.isin(patients))
			.where(Lapse.status.isin(lc.ACTIVE))
			.run(pluck=True)
		)
		lifecycle.opt_out(lapses, "Patient opted out")


def allow_number(e164: str, *, source: str = "Reply") -> bool:
	"""START / UNSTOP: texts are allowed again. Only SMS: email and do-not-contact are untouched."""
	existing = frappe.db.get_value(
		"Win-Back SMS Opt-Out", e164, ["active", "reason"], as_dict=True, for_update=True
	)
	if not existing or not existing.active or existing.reason != "Opted Out":
		return False
	frappe.db.set_value(
		"Win-Back SMS Opt-Out",
		e164,
		{
			"active": 0,
			"resubscribed_on": now_datetime(),
			"source": source,
			"resubscribe_reason": "The patient texted START" if source == "Reply" else source,
		},
	)
	return True


def is_blocked(e164: str) -> str | None:
	return frappe.db.get_value("Win-Back SMS Opt-Out", {"name": e164, "active": 1}, "reason")


def block_reasons(numbers) -> dict[str, str]:
	"""The blocked numbers among these, read once: {number: the reason shown to staff on a skipped text}."""
	from frappe import _

	numbers = sorted({n for n in numbers if n})
	if not numbers:
		return {}
	rows = (
		frappe.qb.from_(OptOut)
		.select(OptOut.name, OptOut.reason)
		.where(OptOut.name.isin(numbers))
		.where(OptOut.active == 1)
		.run()
	)
	return {
		n: _("Number opted out of texts") if r == "Opted Out" else _("Number flagged: {0}").format(r)
		for n, r in rows
	}
