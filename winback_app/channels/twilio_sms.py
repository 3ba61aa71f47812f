"""Twilio SMS through the real twilio client, and what each Twilio outcome means for us.

Never imports frappe: the dispatcher builds a TwilioConfig from Win-Back Settings, and unit tests drive this
module against HTTP faked at the transport. The one rule that matters most: a request that may have reached
Twilio (read timeout, connection dropped after sending) is UNKNOWN and is never POSTed again.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from winback_app.channels.base import (
	FAILED,
	INVALID,
	OPTED_OUT,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)

OPT_OUT_CODES = {21610}
INVALID_CODES = {21211, 21614, 21635, 30006}
RATE_LIMIT_CODES = {20429}


@dataclass(frozen=True)
class TwilioConfig:
	account_sid: str
	auth_token: str
	messaging_service_sid: str = ""
	from_number: str = ""
	status_callback: str = ""
	timeout: float = 10.0
	base_url: str = ""  # only for tests and benchmarks against a loopback server


def outcome_for(status: int | None, code: int | None) -> str:
	"""What a Twilio error response means for the attempt."""
	if code in OPT_OUT_CODES:
		return OPTED_OUT
	if code in INVALID_CODES:
		return INVALID
	if code in RATE_LIMIT_CODES or status == 429 or (status is not None and status >= 500):
		return RETRY
	return FAILED


def _never_left(exc: requests.exceptions.RequestException) -> bool:
	"""True only when we know the request did not reach Twilio (it could not even connect)."""
	if isinstance(exc, requests.exceptions.ConnectTimeout):
		return True
	if isinstance(exc, requests.exceptions.ConnectionError):
		reason = exc.args[0] if exc.args else None
		inner = getattr(reason, "reason", reason)
		return isinstance(inner, NewConnectionError | ConnectionRefusedError)
	return False


class TwilioSmsChannel:
	name = "Twilio"

	def __init__(self, config: TwilioConfig, http_client=None):
		self.config = config
		self.client = Client(
			config.account_sid,
			config.auth_token,
			http_client=http_client or TwilioHttpClient(timeout=config.timeout),
		)
		if config.base_url:
			self.client.api.base_url = config.base_url.rstrip("/")

	def send(self, message: OutboundMessage) -> SendResult:
		params = {"to": message.to, "body": message.body}
		if self.config.messaging_service_sid:
			params["messaging_service_sid"] = self.config.messaging_service_sid
		else:
			params["from_"] = self.config.from_number
		if self.config.status_callback:
			params["status_callback"] = self.config.status_callback
		try:
			sent = self.client.messages.create(**params)
		except TwilioRestException as exc:
			return SendResult(
				outcome_for(exc.status, exc.code), self.name, "", str(exc.code or exc.status), exc.msg[:500]
			)
		except requests.exceptions.RequestException as exc:
			outcome = RETRY if _never_left(exc) else UNKNOWN
			return SendResult(outcome, self.name, "", type(exc).__name__, str(exc)[:500])
		return SendResult(SENT, self.name, sent.sid or "")
