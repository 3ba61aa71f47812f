import pytest

from winback_app.engine.phone import normalize, reply_title


@pytest.mark.parametrize(
	"raw,expected",
	[
		("(202) 555-0143", "+12025550143"),
		("202.555.0143", "+12025550143"),
		("+1 202 555 0143", "+12025550143"),
		("1-202-555-0143", "+12025550143"),
		(" 2025550143 ", "+12025550143"),
		("+44 20 7946 0958", "+442079460958"),
		("555-0143", None),  # no area code: cannot be placed
		("12", None),
		("not a number", None),
		("", None),
		(None, None),
		("9" * 60, None),
	],
)
def test_normalize(raw, expected):
	assert normalize(raw, "US") == expected


def test_region_reads_national_numbers():
	assert normalize("020 7946 0958", "GB") == "+442079460958"
	assert normalize("020 7946 0958", "gb") == "+442079460958"


def test_fictional_555_01xx_numbers_are_accepted():
	assert normalize("(555) 555-0100", "US") == "+15555550100"


@pytest.mark.parametrize(
	"category, number, title",
	[
		("Booking", "+12025550142", "Booking, from ...0142"),
		("Opt-Out", "+525555010199", "Opt-Out, from ...0199"),
		(None, "+12025550142", "Text, from ...0142"),
		("Question", "not-a-number", "Question"),
		("Question", "", "Question"),
	],
)
def test_a_replys_title_never_carries_the_whole_number(category, number, title):
	assert reply_title(category, number) == title
	digits = "".join(ch for ch in number if ch.isdigit())
	if len(digits) > 4:
		assert digits not in reply_title(category, number)
