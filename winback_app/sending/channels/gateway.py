"""SMS through the gateway configured in the host's SMS Settings, with a timeout.

The host's send_via_gateway() calls requests without a timeout (a hung gateway would hang the dispatcher until
the job is killed, with every claimed attempt left Sending) and swallows nothing useful: it gives only an HTTP
status. So we make the same request ourselves, from the same SMS Settings (gateway URL, message and receiver
parameters, static parameters, header parameters through the host's get_headers, GET or POST, JSON when the
Content-Type header says so), with a connect and read timeout, and keep the host's SMS Log. The settings are
read once per dispatcher run. A gateway gives no message id and no delivery report.
"""

from __future__ import annotations

import requests

import frappe

from winback_app.sending.channels.base import (
	FAILED,
	PROVIDER_ERROR,
	RATE_LIMITED,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)
from winback_app.sending.channels.twilio_sms import never_left


def outcome_for_status(status: int) -> tuple[str, str]:
	"""(outcome, trouble) for the gateway's HTTP status."""
	if 200 <= status < 300:
		return SENT, ""
	if status == 429:
		return RETRY, RATE_LIMITED
	if status >= 500:
		return UNKNOWN, PROVIDER_ERROR  # it may have been accepted before the error
	return FAILED, ""


class GatewaySmsChannel:
	name = "SMS Gateway"

	def __init__(self, timeout: float = 10.0, session: requests.Session | None = None):
		from frappe.core.doctype.sms_settings.sms_settings import get_headers

		self.timeout = timeout
		self.session = session or requests.Session()
		ss = frappe.get_cached_doc("SMS Settings")
		self.url = (ss.sms_gateway_url or "").strip()
		self.message_parameter = ss.message_parameter
		self.receiver_parameter = ss.receiver_parameter
		self.static = {d.parameter: d.value for d in ss.get("parameters") or () if not d.header}
		self.headers = get_headers(ss)
		self.use_json = self.headers.get("Content-Type") == "application/json"
		self.use_post = bool(ss.use_post)

	def send(self, message: OutboundMessage) -> SendResult:
		if not self.url:
			return SendResult(
				FAILED,
				self.name,
				error_code="not-configured",
				error_message="SMS Settings has no gateway URL",
			)
		params = {**self.static, self.message_parameter: message.body, self.receiver_parameter: message.to}
		kwargs = {"headers": self.headers, "timeout": (min(self.timeout, 5.0), self.timeout)}
		if self.use_json:
			kwargs["json"] = params
		elif self.use_post:
			kwargs["data"] = params
		else:
			kwargs["params"] = params
		try:
			response = self.session.request("POST" if self.use_post else "GET", self.url, **kwargs)
		except requests.exceptions.RequestException as exc:
			outcome = RETRY if never_left(exc) else UNKNOWN
			return SendResult(outcome, self.name, error_code=type(exc).__name__, trouble=PROVIDER_ERROR)
		outcome, trouble = outcome_for_status(response.status_code)
		if outcome == SENT:
			self.log(message)
			return SendResult(SENT, self.name)
		return SendResult(
			outcome, self.name, error_code=str(response.status_code), error_message="", trouble=trouble
		)

	def log(self, message: OutboundMessage) -> None:
		"""The host's SMS Log row, as its own gateway sender writes one."""
		from frappe.core.doctype.sms_settings.sms_settings import create_sms_log

		create_sms_log({"message": message.body.encode("utf-8"), "receiver_list": [message.to]}, [message.to])
