"""US states for stricter quiet hours: which state a patient is in, and how late a text may reach them there.

Some states end the texting day earlier than the clinic's window (Florida's FTSA, Oklahoma's OTSA and
Maryland's Stop the Spam Calls Act: 8 am to 8 pm). The clinic keeps the list (Win-Back Settings > State
windows); this module reads a state from an address's free-text state field or from a number's area code
(engine.us_area_codes, made from phonenumbers' geocoder data), and picks the strictest end. Those laws presume
a person with the state's area code lives there, so the number's state applies even when the address names
another one: the earlier end of the two wins. This module never performs I/O.
"""

from __future__ import annotations

from datetime import time

from winback_app.engine.us_area_codes import AREA_CODE_STATES

US_STATES: dict[str, str] = {
	"AL": "Alabama",
	"AK": "Alaska",
	"AZ": "Arizona",
	"AR": "Arkansas",
	"CA": "California",
	"CO": "Colorado",
	"CT": "Connecticut",
	"DE": "Delaware",
	"DC": "District of Columbia",
	"FL": "Florida",
	"GA": "Georgia",
	"HI": "Hawaii",
	"ID": "Idaho",
	"IL": "Illinois",
	"IN": "Indiana",
	"IA": "Iowa",
	"KS": "Kansas",
	"KY": "Kentucky",
	"LA": "Louisiana",
	"ME": "Maine",
	"MD": "Maryland",
	"MA": "Massachusetts",
	"MI": "Michigan",
	"MN": "Minnesota",
	"MS": "Mississippi",
	"MO": "Missouri",
	"MT": "Montana",
	"NE": "Nebraska",
	"NV": "Nevada",
	"NH": "New Hampshire",
	"NJ": "New Jersey",
	"NM": "New Mexico",
	"NY": "New York",
	"NC": "North Carolina",
	"ND": "North Dakota",
	"OH": "Ohio",
	"OK": "Oklahoma",
	"OR": "Oregon",
	"PA": "Pennsylvania",
	"RI": "Rhode Island",
	"SC": "South Carolina",
	"SD": "South Dakota",
	"TN": "Tennessee",
	"TX": "Texas",
	"UT": "Utah",
	"VT": "Vermont",
	"VA": "Virginia",
	"WA": "Washington",
	"WV": "West Virginia",
	"WI": "Wisconsin",
	"WY": "Wyoming",
}
_BY_NAME = {name.lower(): code for code, name in US_STATES.items()} | {
	"washington d.c": "DC",
	"washington dc": "DC",
}
# What install seeds (a clinic may change or remove them; seeding never runs twice).
DEFAULT_STATE_ENDS: dict[str, time] = {"FL": time(20, 0), "OK": time(20, 0), "MD": time(20, 0)}
US_COUNTRY_NAMES = {"", "united states", "united states of america", "usa", "us"}


def state_code(text: str | None) -> str | None:
	"""A two-letter code from what people type in an address ("FL", "fl", "Florida", " florida ")."""
	value = (text or "").strip().rstrip(".").lower()
	if not value:
		return None
	if len(value) == 2 and value.upper() in US_STATES:
		return value.upper()
	return _BY_NAME.get(value)


def address_state(state: str | None, country: str | None) -> str | None:
	"""The state of a US address; None for another country's address."""
	if (country or "").strip().lower() not in US_COUNTRY_NAMES:
		return None
	return state_code(state)


def number_state(e164: str | None) -> str | None:
	"""The US state of a number's area code (engine.us_area_codes, from phonenumbers' geocoder data)."""
	if not e164 or not e164.startswith("+1") or len(e164) != 12:
		return None
	return AREA_CODE_STATES.get(e164[2:5])


def latest_end(states, ends: dict[str, time]) -> tuple[time | None, str | None]:
	"""The earliest configured end among the patient's states, and which state it is (None: no rule)."""
	best: tuple[time | None, str | None] = (None, None)
	for code in states:
		end = ends.get(code) if code else None
		if end is not None and (best[0] is None or end < best[0]):
			best = (end, code)
	return best
