"""Twilio SMS through the real twilio client, and what each Twilio outcome means for us.

Never imports frappe: the dispatcher builds a TwilioConfig from Win-Back Settings, and unit tests drive this
module against HTTP faked at the transport. The one rule that matters most: a request that may have reached
Twilio (read timeout, connection dropped after sending, a 5xx from Twilio's edge, which can come after the
message was created) is UNKNOWN and is never POSTed again. Twilio's Messages API has no idempotency key, so
nothing can make a second POST safe. Each message's status callback names its attempt, so Twilio's own delivery
report resolves an Unknown attempt when the message did go out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from winback_app.sending.channels.base import (
	FAILED,
	INVALID,
	OPTED_OUT,
	PROVIDER_ERROR,
	RATE_LIMITED,
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
	if code in RATE_LIMIT_CODES or status == 429:
		return RETRY  # refused before anything was created: safe to send again later
	if status is not None and status >= 500:
		return UNKNOWN  # the edge may answer 5xx after the message was created
	return FAILED


def trouble_for(status: int | None, code: int | None) -> str:
	"""Whether an error says the provider itself is in trouble (the dispatcher's breaker counts these)."""
	if code in RATE_LIMIT_CODES or status == 429:
		return RATE_LIMITED
	if status is not None and status >= 500 and code not in OPT_OUT_CODES | INVALID_CODES:
		return PROVIDER_ERROR
	return ""


def never_left(exc: requests.exceptions.RequestException) -> bool:
	"""True only when we know the request did not reach the provider (it could not even connect)."""
	if isinstance(exc, requests.exceptions.ConnectTimeout):
		return True
	if isinstance(exc, requests.exceptions.ConnectionError):
		reason = exc.args[0] if exc.args else None
		inner = getattr(reason, "reason", reason)
		return isinstance(inner, NewConnectionError | ConnectionRefusedError)
	return False


def callback_url(base: str, attempt: str) -> str:
	"""The status callback for one message: it names the attempt, so a report can be matched before (or
	without) the message id being recorded. Twilio signs the whole URL, query string included."""
	if not base or not attempt:
		return base
	return f"{base}{'&' if '?' in base else '?'}{urlencode({'attempt': attempt})}"


class TwilioSmsChannel:
	"""send() may be called from several threads at once (the dispatcher's sender threads): it never touches the
	database, and each thread gets a twilio Client (and HTTP session) of its own, unless one http_client was given
	(tests)."""

	name = "Twilio"
	concurrent = True

	def __init__(self, config: TwilioConfig, http_client=None):
		self.config = config
		self.http_client = http_client
		self._local = threading.local()

	@property
	def client(self) -> Client:
		client = getattr(self._local, "client", None)
		if client is None:
			client = Client(
				self.config.account_sid,
				self.config.auth_token,
				http_client=self.http_client or TwilioHttpClient(timeout=self.config.timeout),
			)
			if self.config.base_url:
				client.api.base_url = self.config.base_url.rstrip("/")
			self._local.client = client
		return client

	def send(self, message: OutboundMessage) -> SendResult:
		params = {"to": message.to, "body": message.body}
		if self.config.messaging_service_sid:
			params["messaging_service_sid"] = self.config.messaging_service_sid
		else:
			params["from_"] = self.config.from_number
		if self.config.status_callback:
			params["status_callback"] = callback_url(self.config.status_callback, message.attempt)
		if message.valid_for:
			# Twilio drops a message still queued after this many seconds: no text arrives after hours.
			params["validity_period"] = max(1, min(int(message.valid_for), 36000))
		try:
			sent = self.client.messages.create(**params)
		except TwilioRestException as exc:
			return SendResult(
				outcome_for(exc.status, exc.code),
				self.name,
				"",
				str(exc.code or exc.status),
				(exc.msg or "")[:500],
				trouble_for(exc.status, exc.code),
			)
		except requests.exceptions.RequestException as exc:
			outcome = RETRY if never_left(exc) else UNKNOWN
			return SendResult(outcome, self.name, "", type(exc).__name__, str(exc)[:500], PROVIDER_ERROR)
		return SendResult(SENT, self.name, sent.sid or "")
