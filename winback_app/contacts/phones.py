"""Keep Win-Back Patient Phone in step with Patient.mobile / Patient.phone.

The host stores numbers as free text and indexes neither field, so replies, opt-outs and caps compare E.164
numbers from this table instead. sync_stale() is self-healing and set-based: one LEFT JOIN finds patients
whose row is missing or whose raw text changed (including changes written with db.set_value, which skip
doc_events), only those numbers are parsed, and the rows are replaced in bulk.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import IfNull
from frappe.utils import now_datetime

from winback_app.engine.phone import normalize
from winback_app.infra.naming import STANDARD_COLUMNS
from winback_app.settings import phone_region

Patient = DocType("Patient")
PatientPhone = DocType("Win-Back Patient Phone")
SOURCES = (("Mobile", "mobile"), ("Phone", "phone"))


def sync_patient(doc) -> None:
	"""Refresh one patient's rows (Patient on_update)."""
	_replace([(doc.name, doc.get("mobile"), doc.get("phone"))])


def sync_stale(chunk: int = 20_000) -> int:
	"""Refresh every patient whose rows are missing or out of date. Returns how many were refreshed."""
	count = 0
	for source, column in SOURCES:
		ph = PatientPhone.as_(f"ph_{column}")
		stale = (
			frappe.qb.from_(Patient)
			.left_join(ph)
			.on((ph.patient == Patient.name) & (ph.source == source))
			.select(Patient.name, Patient.mobile, Patient.phone)
			.where(ph.name.isnull() | (IfNull(ph.raw, "") != IfNull(Patient[column], "")))
			.run()
		)
		for start in range(0, len(stale), chunk):
			_replace(stale[start : start + chunk])
			count += len(stale[start : start + chunk])
	return count


def _replace(rows) -> None:
	if not rows:
		return
	region = phone_region()
	patients = [r[0] for r in rows]
	frappe.qb.from_(PatientPhone).delete().where(PatientPhone.patient.isin(patients)).run()
	now = now_datetime()
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	values = []
	for patient, mobile, phone in rows:
		for source, raw in (("Mobile", mobile), ("Phone", phone)):
			values.append(
				(
					frappe.generate_hash(length=12),
					now,
					now,
					user,
					user,
					0,
					patient,
					source,
					raw or "",
					normalize(raw, region) or "",
				)
			)
	frappe.db.bulk_insert(
		"Win-Back Patient Phone",
		[
			*STANDARD_COLUMNS,
			"patient",
			"source",
			"raw",
			"phone",
		],
		values,
	)


def patients_for_number(e164: str) -> list[str]:
	return (
		frappe.qb.from_(PatientPhone)
		.select(PatientPhone.patient)
		.distinct()
		.where(PatientPhone.phone == e164)
		.run(pluck=True)
	)
