"""Patient Lapse: one patient's episode in one campaign. Staff may close it or record a reason for leaving."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from winback_app.engine import lifecycle


class PatientLapse(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		booked_appointment: DF.Link | None
		booked_on: DF.Datetime | None
		booking_token_encrypted: DF.SmallText | None
		booking_token_expires: DF.Datetime | None
		booking_token_hash: DF.Data | None
		cadence_started_on: DF.Datetime | None
		choices_offered_on: DF.Datetime | None
		closed_on: DF.Datetime | None
		closed_reason: DF.Data | None
		company: DF.Link | None
		cycle: DF.Data | None
		department: DF.Link | None
		detected_on: DF.Datetime | None
		email: DF.Data | None
		evidence_doctype: DF.Link | None
		evidence_name: DF.DynamicLink | None
		holdout: DF.Check
		last_visit_date: DF.Date | None
		last_visit_source: DF.Data | None
		leave_reason: DF.Literal["", "Moved", "Cost", "Fear or anxiety", "Switched provider", "Other"]
		mobile: DF.Data | None
		patient: DF.Link
		patient_name: DF.Data | None
		practitioner: DF.Link | None
		reactivated_on: DF.Date | None
		reason: DF.SmallText | None
		replied_on: DF.Datetime | None
		reply_handled: DF.Check
		segment: DF.Link
		snoozed_until: DF.Datetime | None
		status: DF.Literal[
			"Open",
			"Holdout",
			"In Cadence",
			"Replied",
			"Booked",
			"Reactivated",
			"Opted Out",
			"Exhausted",
			"Closed",
		]
		time_zone: DF.Data | None
	# end: auto-generated types

	def validate(self):
		# A status changed by hand in the desk follows the same lifecycle as every automatic move.
		before = self.get_doc_before_save()
		if before and not lifecycle.allowed(before.status, self.status):
			if before.status in lifecycle.FINAL:
				frappe.throw(
					_(
						"A lapse that is {0} cannot be reopened. The patient joins again at the next detection."
					).format(_(before.status))
				)
			frappe.throw(_("A lapse cannot go from {0} to {1}.").format(_(before.status), _(self.status)))
		if self.status in lifecycle.ENDED and not self.closed_on:
			self.closed_on = now_datetime()

	def on_update(self):
		if self.has_value_changed("status") and lifecycle.stops_cadence(self.status):
			from winback_app.lapses.lifecycle import cancel_planned

			cancel_planned([self.name], reason=_("Lapse {0}").format(_(self.status)))


def on_doctype_update():
	frappe.db.add_index("Patient Lapse", ["patient", "segment", "status"])
	frappe.db.add_index("Patient Lapse", ["evidence_name"])
