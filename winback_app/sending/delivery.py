"""Delivery reports from Twilio: move an attempt's status forward only, and act on carrier errors.

Each message's status callback URL names its attempt (sending.channels.twilio_sms.callback_url), so a report is matched
on the attempt itself: one that arrives while the dispatcher is still sending the chunk (Twilio often reports
"sent" within a second) is applied at once, and the dispatcher's own result, written at the end of the chunk,
keeps it (engine.sending.merged_status). An Unknown attempt (a timeout or 5xx after the request left, or a worker
that died) is resolved by the report even though its message id was never recorded. Reports without an attempt
(messages sent before callbacks named one, staff replies) are matched on the message id. Duplicates, late
reports and unknown ids change nothing.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import cint, now_datetime

from winback_app.engine.sending import DELIVERY_RANK
from winback_app.sending.channels.twilio_sms import INVALID_CODES, OPT_OUT_CODES

Attempt = DocType("Win-Back Contact Attempt")
# accepted / queued / sending / sent all mean Twilio has the message: for us that is "Sent" (it left).
TWILIO_TO_OURS = {
	"accepted": "Sent",
	"queued": "Sent",
	"sending": "Sent",
	"sent": "Sent",
	"delivered": "Delivered",
	"undelivered": "Failed",
	"failed": "Failed",
}


def apply_status(sid: str, twilio_status: str, error_code: str = "", attempt: str = "") -> bool:
	new = TWILIO_TO_OURS.get((twilio_status or "").lower())
	if not sid or not new:
		return False  # an empty id is nobody's; other statuses (scheduled, canceled, read) say nothing here
	query = frappe.qb.from_(Attempt).select(
		Attempt.name, Attempt.status, Attempt.to_address, Attempt.patient, Attempt.provider_id
	)
	query = query.where(Attempt.name == attempt) if attempt else query.where(Attempt.provider_id == sid)
	row = query.for_update().run(as_dict=True)
	if not row:
		if attempt:
			return False
		from winback_app.leads.delivery import apply_lead_status

		return apply_lead_status(sid, new, error_code)  # a new-patient lead's text (named by no attempt)
	current = row[0]
	if current.provider_id and current.provider_id != sid:
		return False  # the attempt is known to have gone as another message
	if current.status not in DELIVERY_RANK or DELIVERY_RANK[new] <= DELIVERY_RANK[current.status]:
		if not current.provider_id and current.status in DELIVERY_RANK:
			frappe.qb.update(Attempt).set(Attempt.provider_id, sid).where(Attempt.name == current.name).run()
		return False
	update = (
		frappe.qb.update(Attempt)
		.set(Attempt.status, new)
		.set(Attempt.provider_id, sid)
		.set(Attempt.modified, now_datetime())
		.where(Attempt.name == current.name)
	)
	if new in ("Sent", "Delivered"):
		update = update.set(Attempt.sent_at, Coalesce(Attempt.sent_at, now_datetime()))
	if new == "Failed" and error_code:
		update = update.set(Attempt.error_code, error_code[:140])
	if current.status == "Unknown":
		update = update.set(Attempt.error_message, f"Resolved by Twilio's delivery report: {new}")
	update.run()
	code = cint(error_code)
	if code in OPT_OUT_CODES or code in INVALID_CODES:
		from winback_app.contacts.optouts import block_number

		block_number(
			current.to_address,
			"Opted Out" if code in OPT_OUT_CODES else "Invalid Number",
			source="Carrier",
			patient=current.patient,
			words=f"Twilio {error_code}",
		)
	return True
