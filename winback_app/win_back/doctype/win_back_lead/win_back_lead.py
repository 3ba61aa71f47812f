"""Win-Back Lead: someone the clinic has not seen yet, followed to their first visit (winback_app/leads writes it)."""

import frappe
from frappe.model.document import Document


class WinBackLead(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		answered_on: DF.Datetime | None
		appointment: DF.Link | None
		booked_on: DF.Datetime | None
		call_log: DF.Link | None
		came_on: DF.Date | None
		consent_on: DF.Datetime | None
		consent_wording: DF.SmallText | None
		email: DF.Data | None
		first_name: DF.Data | None
		full_name: DF.Data | None
		language: DF.Link | None
		last_reply_on: DF.Datetime | None
		lead: DF.Link | None
		patient: DF.Link | None
		phone: DF.Data | None
		preferred_times: DF.SmallText | None
		received_on: DF.Datetime | None
		request_ip: DF.Data | None
		sms_consent: DF.Literal["Unknown", "Granted", "Revoked"]
		source: DF.Literal["Request Form", "Lead", "Missed Call", "Unconfirmed Appointment", "New Patient"]
		status: DF.Literal["New", "Answered", "Talking", "Booked", "Came", "Resting", "Closed"]
		wrote_first: DF.Check
	# end: auto-generated types

	pass


def on_doctype_update():
	# The funnel groups by source and status; the minute job looks open leads up by number and by patient.
	frappe.db.add_index("Win-Back Lead", ["status", "phone"])
	frappe.db.add_index("Win-Back Lead", ["source", "received_on"])
