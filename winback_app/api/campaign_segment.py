"""Desk actions on a Campaign Segment: preview who would join today, and run detection now."""

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
