"""What every channel takes and returns. Plain data; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

SENT = "Sent"  # the provider accepted it (or the Outbox recorded it)
FAILED = "Failed"  # permanently refused; do not try again
UNKNOWN = "Unknown"  # it may have gone out: never resend blindly, a person reviews
RETRY = "Retry"  # refused before acceptance for a passing reason (rate limit, 5xx, no connection)
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


@dataclass(frozen=True)
class SendResult:
	outcome: str
	provider: str
	provider_id: str = ""
	error_code: str = ""
	error_message: str = ""
