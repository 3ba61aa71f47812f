"""Twilio's delivery reports for lead texts (sending/delivery.py hands over a report no contact attempt owns).

The same rules as for the cadence's attempts: a report only moves a text forward (engine.sending.DELIVERY_RANK),
settles an Unknown one, and a carrier's opt-out or invalid-number code blocks the number and closes the lead.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.utils import cint, now_datetime

from winback_app.engine.sending import DELIVERY_RANK
from winback_app.leads import status
from winback_app.sending.channels.twilio_sms import INVALID_CODES, OPT_OUT_CODES

WText = DocType("Win-Back Lead Text")


def apply_lead_status(sid: str, new: str, error_code: str = "") -> bool:
	rows = (
		frappe.qb.from_(WText)
		.select(WText.name, WText.status, WText.to_address, WText.lead_record)
		.where(WText.provider_id == sid)
		.for_update()
		.run(as_dict=True)
	)
	if not rows:
		return False
	text = rows[0]
	if text.status not in DELIVERY_RANK or DELIVERY_RANK[new] <= DELIVERY_RANK[text.status]:
		return False
	update = frappe.qb.update(WText).set(WText.status, new).set(WText.modified, now_datetime())
	if new == "Failed" and error_code:
		update = update.set(WText.error_code, error_code[:140])
	update.where(WText.name == text.name).run()
	code = cint(error_code)
	if code in OPT_OUT_CODES or code in INVALID_CODES:
		from winback_app.contacts.optouts import block_number

		block_number(
			text.to_address,
			"Opted Out" if code in OPT_OUT_CODES else "Invalid Number",
			source="Carrier",
			words=f"Twilio {error_code}",
		)
		status.close([text.lead_record], "The number cannot get texts")
	return True
