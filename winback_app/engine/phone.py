"""Phone numbers: one canonical form (E.164) for matching, opt-outs and caps.

Patient.mobile is free text in the host (a loose regex, no E.164), so the same person appears as
"(555) 010-0123", "555.010.0123" and "+1 555 010 0123". Every comparison in winback_app goes through
normalize(). This module never performs I/O.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


def normalize(raw: str | None, region: str = "US") -> str | None:
	"""The E.164 form of a number, or None when it is not a plausible phone number.

	Fictional 555-01xx numbers (used in demos and tests) are accepted: they are well-formed, and rejecting
	them would make every test depend on real subscriber numbers.
	"""
	if not raw:
		return None
	text = str(raw).strip()
	if not text or len(text) > 40:
		return None
	try:
		number = phonenumbers.parse(text, (region or "US").upper())
	except NumberParseException:
		return None
	if not phonenumbers.is_possible_number(number):
		return None
	if not phonenumbers.is_valid_number(number) and not _is_fictional_nanp(number):
		return None
	return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _is_fictional_nanp(number) -> bool:
	national = str(number.national_number)
	return number.country_code == 1 and len(national) == 10 and national[3:8] == "55501"


def reply_title(category: str | None, number: str | None) -> str:
	"""A reply's title: its category and the last four digits of the number ("Booking, from ...0142").

	frappe puts a document's title in the assignment e-mail and the Notification Log (and, when that e-mail fails,
	in an Error Log), so a reply's title never carries the whole number or the patient's name; four digits are
	enough to tell the rows of a list apart."""
	digits = "".join(ch for ch in (number or "") if ch.isdigit())
	tail = f" ...{digits[-4:]}" if len(digits) >= 4 else ""
	return f"{category or 'Text'}, from{tail}" if tail else (category or "Text")
