"""Call tasks: a ToDo for the front desk, through the host's assignment (frappe.desk.form.assign_to).

Who gets them is staff.front_desk_users(), passed in by the dispatcher."""

import frappe
from frappe import _

from winback_app.sending.channels.base import SENT, OutboundMessage, SendResult


class CallTaskChannel:
	name = "Call Task"

	def __init__(self, users: list[str]):
		self.users = users

	def send(self, message: OutboundMessage) -> SendResult:
		from frappe.desk.form.assign_to import add

		description = _("Call {0}. Number: {1}. Script: {2} Record the outcome on the Patient Lapse.").format(
			message.patient, message.to or _("no number on file"), message.body
		)
		add(
			{
				"assign_to": self.users,
				"doctype": "Patient Lapse",
				"name": message.lapse,
				"description": description,
				"date": frappe.utils.today(),
				"priority": "Medium",
			},
			ignore_permissions=True,
		)
		todo = frappe.db.get_value(
			"ToDo",
			{"reference_type": "Patient Lapse", "reference_name": message.lapse, "status": "Open"},
			"name",
			order_by="creation desc",
		)
		return SendResult(SENT, self.name, provider_id=todo or "")
