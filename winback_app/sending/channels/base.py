"""What every channel takes and returns. Plain data; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from winback_app.engine.sending import PROVIDER_ERROR, RATE_LIMITED  # noqa: F401 (channels set them)

SENT = "Sent"  # the provider accepted it (or the Outbox recorded it)
FAILED = "Failed"  # permanently refused; do not try again
# it may have gone out (timeout, 5xx): never resent; its delivery report or a person resolves it
UNKNOWN = "Unknown"
RETRY = "Retry"  # refused before it was accepted, for a passing reason (rate limit, no connection)
OPTED_OUT = "Opted Out"  # the carrier says this number opted out (Twilio 21610)
INVALID = "Invalid Number"  # the number cannot get texts (Twilio 21211, 21614, 21635, 30006)


@dataclass(frozen=True)
class OutboundMessage:
	attempt: str
	channel: str  # SMS | Email | Call Task
	to: str  # E.164 number or email address
	body: str
	subject: str = ""
	lapse: str = ""
	patient: str = ""
	# seconds the provider may hold it before it must give up (the end of the send window)
	valid_for: int | None = None


@dataclass(frozen=True)
class SendResult:
	outcome: str
	provider: str
	provider_id: str = ""
	error_code: str = ""
	error_message: str = ""
	# RATE_LIMITED or PROVIDER_ERROR: the provider itself is in trouble (the dispatcher's breaker counts it)
	trouble: str = ""
