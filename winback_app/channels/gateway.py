"""SMS through the host's SMS Settings gateway (frappe.core sms_settings.send_via_gateway).

The host's send_sms() swallows failures into a msgprint; we call the gateway for one number and treat any
exception as a failure we can see. The gateway gives no message id and no delivery status.
"""

import frappe

from winback_app.channels.base import FAILED, SENT, OutboundMessage, SendResult


class GatewaySmsChannel:
	name = "SMS Gateway"

	def send(self, message: OutboundMessage) -> SendResult:
		from frappe.core.doctype.sms_settings.sms_settings import send_via_gateway

		if not frappe.db.get_single_value("SMS Settings", "sms_gateway_url"):
			return SendResult(
				FAILED,
				self.name,
				error_code="not-configured",
				error_message="SMS Settings has no gateway URL",
			)
		try:
			send_via_gateway(
				{"receiver_list": [message.to], "message": message.body.encode("utf-8"), "success_msg": False}
			)
		except Exception as exc:
			return SendResult(FAILED, self.name, error_code=type(exc).__name__, error_message=str(exc)[:500])
		return SendResult(SENT, self.name)
