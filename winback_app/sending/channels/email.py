"""Email through frappe.sendmail (Email Queue), with the practice's postal address and a working unsubscribe.

The host checks Email Unsubscribe only when mail is queued; integrations/frappe/email_unsubscribe.py cancels
our queued mail when someone unsubscribes before it leaves.
"""

from rq.timeouts import BaseTimeoutException

import frappe
from frappe import _
from frappe.utils import escape_html

from winback_app.sending.channels.base import FAILED, SENT, OutboundMessage, SendResult


class EmailChannel:
	name = "Email"

	def __init__(self, practice_name: str = "", practice_address: str = ""):
		self.practice_name = practice_name
		self.practice_address = practice_address

	def html(self, body: str) -> str:
		paragraphs = "".join(f"<p>{escape_html(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
		footer = escape_html(
			", ".join(x for x in (self.practice_name, self.practice_address.replace("\n", ", ")) if x)
		)
		return f"{paragraphs}<p style='color:#6b7280;font-size:12px'>{footer}</p>"

	def send(self, message: OutboundMessage) -> SendResult:
		try:
			frappe.sendmail(
				recipients=[message.to],
				subject=message.subject,
				message=self.html(message.body),
				reference_doctype="Patient Lapse",
				reference_name=message.lapse,
				unsubscribe_message=_("Stop these emails"),
				delayed=True,
			)
		except BaseTimeoutException:
			raise  # rq's job timeout (an Exception subclass) is not a mail failure: the job must stop
		except Exception as exc:
			return SendResult(FAILED, self.name, error_code=type(exc).__name__, error_message=str(exc)[:500])
		return SendResult(SENT, self.name)
