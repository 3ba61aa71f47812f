"""Call tasks: a ToDo for the front desk, through the host's assignment (frappe.desk.form.assign_to)."""

import frappe
from frappe import _

from winback_app.sending.channels.base import SENT, OutboundMessage, SendResult


def front_desk_users(configured: str | None) -> list[str]:
	"""Who gets replies and call tasks: the configured user, else every Win-Back Agent, else every Win-Back
	Manager, else Administrator, so a task always reaches somebody."""
	if configured:
		return [configured]
	for role in ("Win-Back Agent", "Win-Back Manager"):
		users = _users_with(role)
		if users:
			return users
	return ["Administrator"]


def _users_with(role: str) -> list[str]:
	Role = frappe.qb.DocType("Has Role")
	User = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(Role)
		.join(User)
		.on(User.name == Role.parent)
		.select(Role.parent)
		.distinct()
		.where(Role.role == role)
		.where(Role.parenttype == "User")
		.where(User.enabled == 1)
		.orderby(Role.parent)
		.run(pluck=True)
	)


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
