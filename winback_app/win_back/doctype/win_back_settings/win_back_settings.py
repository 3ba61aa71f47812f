"""Win-Back Settings: validation of the values staff enter. No sending, no jobs."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from winback_app.engine.window import is_valid_zone, validate_window
from winback_app.settings import WEEKDAY_FIELDS


class WinBackSettings(Document):
	def validate(self):
		weekdays = [i for i, f in enumerate(WEEKDAY_FIELDS) if cint(self.get(f))]
		for message in validate_window(self.window_start, self.window_end, weekdays):
			frappe.throw(_(message), title=_("Send window"))
		if self.default_time_zone and not is_valid_zone(self.default_time_zone):
			frappe.throw(_("{0} is not a time zone. Use a name such as America/New_York.").format(self.default_time_zone))
		if not (self.default_region or "").isalpha() or len(self.default_region or "") != 2:
			frappe.throw(_("Phone number region must be a two-letter country code, such as US."))
		self.default_region = self.default_region.upper()
		if self.public_base_url:
			self.public_base_url = self.public_base_url.strip().rstrip("/")
			if not self.public_base_url.startswith(("https://", "http://")):
				frappe.throw(_("Public site address must start with https://"))
		if self.sending_mode == "Twilio":
			self.validate_twilio()

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
				_("To send through Twilio, fill in: {0}").format(", ".join(missing)), title=_("Twilio is not set up")
			)
		if not self.twilio_account_sid.startswith("AC"):
			frappe.throw(_("A Twilio Account SID starts with AC."))
		if self.twilio_messaging_service_sid and not self.twilio_messaging_service_sid.startswith("MG"):
			frappe.throw(_("A Twilio Messaging Service SID starts with MG."))
