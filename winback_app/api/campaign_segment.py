"""Desk actions on a Campaign Segment: preview who would join today, preview its messages, run detection now."""

from __future__ import annotations

import frappe
from frappe import _


def _require_manager(segment: str) -> None:
	if not frappe.has_permission("Campaign Segment", "write", segment):
		frappe.throw(_("Only a Win-Back Manager can preview or run campaigns."), frappe.PermissionError)


@frappe.whitelist(methods=["POST"])
def preview(segment: str) -> dict:
	"""Who would join this campaign today, counts of everyone left out per reason, and a sample of each."""
	_require_manager(segment)
	from winback_app.detection.run import preview as run_preview

	return run_preview(segment)


@frappe.whitelist(methods=["POST"])
def run_detection_now(segment: str) -> str:
	"""Queue a detection run on the long queue (once at a time); progress shows in the desk."""
	_require_manager(segment)
	from winback_app.tasks import enqueue_detection

	enqueue_detection()
	return _("Detection is running in the background. New lapses appear in the Patient Lapse list.")


@frappe.whitelist(methods=["POST"])
def preview_messages(segment: str, lapse: str | None = None) -> dict:
	"""Every step's words as a patient of this campaign would get them, rendered by the sender's own context
	builder (sending.render): for the given lapse, else the campaign's latest, else a sample patient. No link is
	made and nothing is recorded; the link shown is an example."""
	_require_manager(segment)
	from winback_app.segments import segment_spec
	from winback_app.sending.render import SAMPLE_LAPSE, SAMPLE_PATIENT, SAMPLE_TOKEN, preview_words
	from winback_app.settings import get_settings

	spec = segment_spec(frappe.get_doc("Campaign Segment", segment))
	row = _lapse_row(segment, lapse)
	if row:
		frappe.has_permission("Patient Lapse", "read", row.name, throw=True)
		patient = (
			frappe.db.get_value("Patient", row.patient, ["first_name", "patient_name"], as_dict=True) or {}
		)
		who = {"lapse": row.name, "patient_name": patient.get("patient_name") or row.patient}
		lapse_dict, patient_dict = dict(row), dict(patient)
		# A minor reached through a parent: the parent's words, as they leave.
		guardian = (
			frappe.db.get_value("Patient", row.guardian, ["name", "first_name", "language"], as_dict=True)
			if row.guardian
			else None
		)
	else:
		who = {"lapse": None, "patient_name": _("A sample patient")}
		lapse_dict, patient_dict, guardian = dict(SAMPLE_LAPSE), SAMPLE_PATIENT, None
	steps = preview_words(spec, lapse_dict, patient_dict, get_settings(), SAMPLE_TOKEN, guardian)
	return {**who, "steps": steps}


def _lapse_row(segment: str, lapse: str | None):
	"""The lapse to preview with: the one asked for (of this campaign), else the campaign's latest."""
	filters = {"segment": segment, **({"name": lapse} if lapse else {})}
	rows = frappe.get_all(
		"Patient Lapse",
		filters=filters,
		fields=[
			"name",
			"patient",
			"practitioner",
			"department",
			"evidence_doctype",
			"evidence_name",
			"last_visit_date",
			"guardian",
		],
		order_by="detected_on desc",
		limit=1,
		ignore_permissions=True,
	)
	return rows[0] if rows else None
