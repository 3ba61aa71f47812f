"""Win-Back SMS Opt-Out: a number that must not get texts, keyed by its E.164 form."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from winback_app.engine.phone import normalize
from winback_app.engine.untrusted import formula_guard
from winback_app.settings import phone_region


class InvalidPhoneNumberError(frappe.ValidationError):
	pass


class OptOutReasonRequiredError(frappe.ValidationError):
	pass


class WinBackSMSOptOut(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		active: DF.Check
		communication: DF.Link | None
		opted_out_on: DF.Datetime | None
		patient: DF.Link | None
		phone: DF.Data
		reason: DF.Literal["Opted Out", "Wrong Number", "Invalid Number"]
		resubscribe_reason: DF.SmallText | None
		resubscribed_on: DF.Datetime | None
		source: DF.Literal["Reply", "Carrier", "Staff"]
		words: DF.Data | None
	# end: auto-generated types

	def autoname(self):
		self.phone = self.normalized_phone()
		self.name = self.phone

	def validate(self):
		# Staff can type the words too: a spreadsheet export must not read them as a formula (engine/untrusted).
		self.words = formula_guard(self.words) or None
		if self.is_new():
			return
		if self.has_value_changed("active") and not self.active:
			self.validate_texts_allowed_again()
			if not self.resubscribed_on:
				self.resubscribed_on = now_datetime()
		elif self.has_value_changed("active") and self.active:
			self.resubscribed_on = None

	def validate_texts_allowed_again(self):
		"""Only a manager lifts an opt-out by hand, saying why (a START text lifts it in winback_app.contacts.optouts)."""
		from winback_app.infra.access import MANAGERS, has_role

		if not has_role(MANAGERS):
			frappe.throw(
				_(
					"Only a Win-Back Manager can allow texts to this number again (or the patient texts START)."
				),
				frappe.PermissionError,
			)
		if len((self.resubscribe_reason or "").strip()) < 3:
			frappe.throw(
				_("Say why texts are allowed again (for example, what the patient asked for and when)."),
				OptOutReasonRequiredError,
			)

	def normalized_phone(self) -> str:
		e164 = normalize(self.phone, phone_region())
		if not e164:
			frappe.throw(
				_("{0} is not a phone number we can read. Include the area code.").format(
					frappe.bold(self.phone)
				),
				InvalidPhoneNumberError,
			)
		return e164
