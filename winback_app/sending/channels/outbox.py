"""The Outbox: renders and records every message, sends nothing. The default until Twilio is set up."""

from winback_app.sending.channels.base import SENT, OutboundMessage, SendResult


class OutboxChannel:
	name = "Outbox"

	def send(self, message: OutboundMessage) -> SendResult:
		return SendResult(SENT, self.name)
