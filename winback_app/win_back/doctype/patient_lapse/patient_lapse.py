"""Patient Lapse: one patient's episode in one campaign. Staff may close it or record a reason for leaving."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

ACTIVE_STATUSES = ("Open", "In Cadence", "Replied")
FINAL_STATUSES = ("Booked", "Reactivated", "Opted Out", "Exhausted", "Closed")


class PatientLapse(Document):
	def validate(self):
		before = self.get_doc_before_save()
		if before and before.status in FINAL_STATUSES and self.status in ACTIVE_STATUSES:
			frappe.throw(
				_("A lapse that is {0} cannot be reopened. The patient joins again at the next detection.").format(
					_(before.status)
				)
			)
		if self.status in ("Closed", "Exhausted", "Opted Out") and not self.closed_on:
			self.closed_on = now_datetime()

	def on_update(self):
		if self.has_value_changed("status") and self.status in FINAL_STATUSES:
			from winback_app.cadence.writer import cancel_open_attempts

			cancel_open_attempts([self.name], reason=_("Lapse {0}").format(_(self.status)))
