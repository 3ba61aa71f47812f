"""Win-Back Settings: validation of the values staff enter. No sending, no jobs."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from winback_app.engine.window import is_valid_zone, validate_window
from winback_app.settings import (
	WEEKDAY_FIELDS,
	PublicAddressMissingError,
	check_public_address,
	is_https_address,
)


class WinBackSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attribution_days: DF.Int
		booking_appointment_type: DF.Link | None
		booking_horizon_days: DF.Int
		booking_lead_hours: DF.Int
		booking_link_days: DF.Int
		count_clinical_procedures: DF.Check
		count_closed_appointments: DF.Check
		count_encounters: DF.Check
		count_therapy_sessions: DF.Check
		default_region: DF.Data | None
		default_time_zone: DF.Autocomplete | None
		front_desk_user: DF.Link | None
		max_messages_per_day: DF.Int
		max_messages_per_week: DF.Int
		max_unanswered_cycles: DF.Int
		messages_per_second: DF.Int
		minimum_age: DF.Int
		missed_after_minutes: DF.Int
		missed_until_minutes: DF.Int
		pause_sending: DF.Check
		practice_address: DF.SmallText | None
		practice_name: DF.Data | None
		practice_phone: DF.Data | None
		public_base_url: DF.Data | None
		request_timeout_seconds: DF.Int
		rest_after_unanswered_days: DF.Int
		rest_from_other_campaigns_days: DF.Int
		send_on_friday: DF.Check
		send_on_monday: DF.Check
		send_on_saturday: DF.Check
		send_on_sunday: DF.Check
		send_on_thursday: DF.Check
		send_on_tuesday: DF.Check
		send_on_wednesday: DF.Check
		sending_mode: DF.Literal["Outbox", "Twilio", "SMS Settings Gateway"]
		sms_consent_policy: DF.Literal["", "Only patients who granted consent", "Everyone not opted out"]
		snooze_days: DF.Int
		twilio_account_sid: DF.Data | None
		twilio_auth_token: DF.Password | None
		twilio_from_number: DF.Data | None
		twilio_messaging_service_sid: DF.Data | None
		window_end: DF.Time
		window_start: DF.Time
	# end: auto-generated types

	def validate(self):
		weekdays = [i for i, f in enumerate(WEEKDAY_FIELDS) if cint(self.get(f))]
		for message in validate_window(self.window_start, self.window_end, weekdays):
			frappe.throw(_(message), title=_("Send window"))
		if self.default_time_zone and not is_valid_zone(self.default_time_zone):
			frappe.throw(
				_("{0} is not a time zone. Use a name such as America/New_York.").format(
					self.default_time_zone
				)
			)
		if not (self.default_region or "").isalpha() or len(self.default_region or "") != 2:
			frappe.throw(_("Phone number region must be a two-letter country code, such as US."))
		self.default_region = self.default_region.upper()
		if self.public_base_url:
			self.public_base_url = self.public_base_url.strip().rstrip("/")
			if not is_https_address(self.public_base_url):
				frappe.throw(
					_(
						"Public site address must be the clinic's https address, such as https://clinic.example.com"
					),
					PublicAddressMissingError,
				)
		if self.sending_mode == "Twilio":
			self.validate_twilio()
		check_public_address(self)

	def validate_twilio(self):
		missing = [
			_(label)
			for field, label in (("twilio_account_sid", "Account SID"), ("twilio_auth_token", "Auth Token"))
			if not self.get(field)
		]
		if not (self.twilio_messaging_service_sid or self.twilio_from_number):
			missing.append(_("Messaging Service SID or From number"))
		if not self.public_base_url:
			missing.append(_("Public site address"))
		if missing:
			frappe.throw(
				_("To send through Twilio, fill in: {0}").format(", ".join(missing)),
				title=_("Twilio is not set up"),
			)
		if not self.twilio_account_sid.startswith("AC"):
			frappe.throw(_("A Twilio Account SID starts with AC."))
		if self.twilio_messaging_service_sid and not self.twilio_messaging_service_sid.startswith("MG"):
			frappe.throw(_("A Twilio Messaging Service SID starts with MG."))
