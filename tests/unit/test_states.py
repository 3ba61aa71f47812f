"""engine.states: a patient's US state from an address or a number's area code, and the strictest end."""

from datetime import time

import pytest

from winback_app.engine.states import (
	DEFAULT_STATE_ENDS,
	address_state,
	latest_end,
	number_state,
	state_code,
)


@pytest.mark.parametrize(
	("text", "code"),
	[
		("FL", "FL"),
		("fl", "FL"),
		("Florida", "FL"),
		("  florida ", "FL"),
		("Oklahoma", "OK"),
		("MD.", "MD"),
		("District of Columbia", "DC"),
		("Washington D.C.", "DC"),
		("Washington", "WA"),
		("", None),
		(None, None),
		("Ontario", None),
		("F", None),
	],
)
def test_state_code_from_what_people_type(text, code):
	assert state_code(text) == code


def test_an_address_outside_the_us_has_no_us_state():
	assert address_state("Florida", "United States") == "FL"
	assert address_state("FL", "") == "FL"
	assert address_state("FL", None) == "FL"
	assert address_state("Victoria", "Australia") is None
	assert address_state("WA", "Australia") is None, "Western Australia is not Washington"


@pytest.mark.parametrize(
	("number", "code"),
	[
		("+13055550123", "FL"),  # Miami
		("+12395550123", "FL"),  # Fort Myers
		("+14055550123", "OK"),
		("+19185550123", "OK"),
		("+12405550123", "MD"),
		("+14105550123", "MD"),
		("+12125550123", "NY"),  # the geocoder says "New York, NY"
		("+14155550123", "CA"),  # "San Francisco, CA"
		("+12025550123", "DC"),  # "Washington D.C."
		("+17875550123", None),  # Puerto Rico: not a state
		("+16045550123", None),  # British Columbia: +1, but Canada
		("+442071234567", None),
		("", None),
		(None, None),
		("+1", None),
	],
)
def test_number_state_from_the_area_code(number, code):
	assert number_state(number) == code


def test_the_earliest_end_of_the_patients_states_wins():
	ends = {"FL": time(20), "MD": time(20, 30), "TX": time(21)}
	assert latest_end({"NY"}, ends) == (None, None)
	assert latest_end({"TX", "MD"}, ends) == (time(20, 30), "MD")
	assert latest_end({"MD", "FL", None}, ends) == (time(20), "FL")
	assert latest_end(set(), ends) == (None, None)


def test_defaults_are_florida_oklahoma_and_maryland_at_eight_pm():
	assert DEFAULT_STATE_ENDS == {"FL": time(20), "OK": time(20), "MD": time(20)}


def test_any_number_in_a_us_area_code_has_its_state():
	assert number_state("+17860000000") == "FL"  # not a valid number, but a Florida area code
	assert number_state("+1786555017") is None  # too short
	assert number_state("+18005550100") is None  # toll-free: no state


def test_the_area_code_table_agrees_with_phonenumbers_geocoder():
	"""The table was made from the geocoder's data; a newer phonenumbers may know a few newer area codes."""
	from winback_app.engine.us_area_codes import AREA_CODE_STATES, from_geocoder

	geocoder = from_geocoder()
	disagree = {
		a: (s, geocoder[a]) for a, s in AREA_CODE_STATES.items() if a in geocoder and geocoder[a] != s
	}
	assert disagree == {}
	missing = sorted(set(geocoder) - set(AREA_CODE_STATES))
	assert len(missing) <= 10, f"regenerate winback_app/engine/us_area_codes.py: {missing}"
	assert len(AREA_CODE_STATES) > 340
