import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback_app.engine.replies import (
	BOOK,
	CHOICE,
	HELP,
	KINDS,
	LATER,
	LEAVE_REASONS,
	LEAVING,
	QUESTION,
	START,
	STOP,
	STOP_KEYWORDS,
	WRONG_NUMBER,
	Intent,
	classify,
)


def case(body, kind, *, choice=None, reason=None, offered=0, opted_out=False):
	return pytest.param(body, offered, opted_out, kind, choice, reason, id=repr(body)[:60])


CASES = [
	# --- Carrier opt-out keywords, whole message, any case and punctuation.
	case("STOP", STOP),
	case("stop", STOP),
	case("Stop.", STOP),
	case("STOP!!!", STOP),
	case(" stop. ", STOP),
	case("Stop 🛑", STOP),
	case("🛑🛑 STOP 🛑🛑", STOP),
	case("STOPALL", STOP),
	case("stop all", STOP),
	case("Unsubscribe", STOP),
	case("CANCEL", STOP),
	case("end", STOP),
	case("Quit", STOP),
	case("REVOKE", STOP),
	case("optout", STOP),
	case("OPT-OUT", STOP),
	case("opt out", STOP),
	case("stop stop stop", STOP),
	case("Stop please", STOP),
	case("please stop", STOP),
	case("STOP\n\nSent from my iPhone", STOP),
	case("stop", STOP, opted_out=True),
	# Spanish keywords.
	case("ALTO", STOP),
	case("alto!", STOP),
	case("Parar", STOP),
	case("PARA", STOP),
	case("detener", STOP),
	case("Cancelar", STOP),
	case("BAJA", STOP),
	# --- "Any reasonable means".
	case("Stop texting me", STOP),
	case("please stop texting me!!", STOP),
	case("Stop messaging me", STOP),
	case("stop contacting me", STOP),
	case("Stop sending me messages", STOP),
	case("Don't text me", STOP),
	case("don’t text me anymore", STOP),
	case("Do not text me anymore.", STOP),
	case("No more texts", STOP),
	case("no more messages please", STOP),
	case("Remove me", STOP),
	case("Remove me from your list", STOP),
	case("Please take me off your list", STOP),
	case("Unsubscribe me", STOP),
	case("opt me out", STOP),
	case("Leave me alone", STOP),
	case("Quit texting me", STOP),
	case("How do I stop these messages?", STOP),
	case("I don't want any more texts from you", STOP),
	case("STOP. I'm not interested", STOP),
	case("Not interested, stop", STOP),
	case("Not interested STOP", STOP),
	case("Wrong number, stop texting me", STOP),  # STOP wins over WRONG_NUMBER
	case("I moved. Please stop texting", STOP),  # ... and over LEAVING
	case("yes stop texting me", STOP),  # ... and over BOOK
	case("No más mensajes", STOP),
	case("no me envíen más mensajes", STOP),
	case("Por favor dejen de enviarme mensajes", STOP),
	case("quiero darme de baja", STOP),
	# --- Keywords inside an unrelated sentence are not opt-outs.
	case("I can't stop smiling", QUESTION),
	case("the end of the month works", QUESTION),
	case("Can I cancel my appointment on Friday?", QUESTION),
	case("cancel my appointment", QUESTION),
	case("I've been working non-stop", QUESTION),
	case("Para mañana?", QUESTION),
	case("Please don't stop texting me, I just need time", QUESTION),
	case("don't text me after 8pm", QUESTION),  # a time preference: a person decides
	# --- START.
	case("START", START),
	case("start", START, opted_out=True),
	case("Unstop", START),
	case("subscribe", START),
	case("YES", START, opted_out=True),
	case("yes please", START, opted_out=True),
	case("Sí", START, opted_out=True),
	case("comenzar", START),
	# --- HELP.
	case("HELP", HELP),
	case("help!", HELP),
	case("Help please", HELP),
	case("help me", HELP),
	case("INFO", HELP),
	case("AYUDA", HELP),
	case("ayúda", HELP),
	case("AYÚDA", HELP),
	case("What is this?", HELP),
	case("who is this", HELP),
	case("Who's this??", HELP),
	case("Sorry, who is this?", HELP),
	case("who is this? I don't recognize this number", HELP),
	case("¿Quién es?", HELP),
	case("Can you help me book an appointment?", QUESTION),  # not a HELP keyword
	# --- WRONG_NUMBER.
	case("Wrong number", WRONG_NUMBER),
	case("wrong #", WRONG_NUMBER),
	case("You have the wrong number.", WRONG_NUMBER),
	case("u got the wrong person", WRONG_NUMBER),
	case("This isn't Maria", WRONG_NUMBER),
	case("this is not Maria's number", WRONG_NUMBER),
	case("No one by that name here", WRONG_NUMBER),
	case("There's no Maria here", WRONG_NUMBER),
	case("Número equivocado", WRONG_NUMBER),
	case("wrong number?", WRONG_NUMBER),
	case("This isn't a good time", LATER),  # not a name
	# --- CHOICE.
	case("1", CHOICE, choice=1, offered=3),
	case("2.", CHOICE, choice=2, offered=3),
	case("#2", CHOICE, choice=2, offered=3),
	case(" 3 ", CHOICE, choice=3, offered=3),
	case("option 3", CHOICE, choice=3, offered=3),
	case("Option #1 please", CHOICE, choice=1, offered=3),
	case("3 please", CHOICE, choice=3, offered=3),
	case("the 2nd one", CHOICE, choice=2, offered=3),
	case("The first one", CHOICE, choice=1, offered=3),
	case("two", CHOICE, choice=2, offered=3),
	case("ok 2 works", CHOICE, choice=2, offered=3),
	case("Yes, 1", CHOICE, choice=1, offered=2),
	case("opción 2", CHOICE, choice=2, offered=3),
	case("4", QUESTION, offered=3),
	case("0", QUESTION, offered=3),
	case("27", QUESTION, offered=3),
	case("2", QUESTION),  # no choices were offered
	case("2pm tomorrow", QUESTION, offered=3),
	case("STOP", STOP, offered=3),
	case("yes", BOOK, offered=3),
	# --- LEAVING, with the reason.
	case("I moved", LEAVING, reason="Moved"),
	case("We moved away last year", LEAVING, reason="Moved"),
	case("I relocated to Denver", LEAVING, reason="Moved"),
	case("I live in another state now", LEAVING, reason="Moved"),
	case("Me mudé", LEAVING, reason="Moved"),
	case("Too expensive", LEAVING, reason="Cost"),
	case("I can't afford it right now", LEAVING, reason="Cost"),
	case("no insurance", LEAVING, reason="Cost"),
	case("I lost my insurance", LEAVING, reason="Cost"),
	case("it costs too much", LEAVING, reason="Cost"),
	case("I'm scared of the dentist", LEAVING, reason="Fear or anxiety"),
	case("Honestly I'm afraid of needles", LEAVING, reason="Fear or anxiety"),
	case("I have dental anxiety", LEAVING, reason="Fear or anxiety"),
	case("I get nervous about the drill", LEAVING, reason="Fear or anxiety"),
	case("Found another dentist", LEAVING, reason="Switched provider"),
	case("I switched to a dentist closer to work", LEAVING, reason="Switched provider"),
	case("I have a new dentist", LEAVING, reason="Switched provider"),
	case("I go somewhere else now", LEAVING, reason="Switched provider"),
	case("we use another clinic", LEAVING, reason="Switched provider"),
	case("Not interested", LEAVING, reason="Other"),
	case("I moved, do you have an office in Austin?", QUESTION),  # a question: a person answers
	case("I'm afraid I can't make it", QUESTION),  # the idiom, not fear
	case("I switched my number, this is the new one", QUESTION),
	case("my mother passed away last year", QUESTION),
	case("I switched insurance", QUESTION),
	# --- LATER.
	case("Not now", LATER),
	case("later", LATER),
	case("Maybe later 🙂", LATER),
	case("next month", LATER),
	case("Busy right now", LATER),
	case("in a few weeks", LATER),
	case("after the holidays", LATER),
	case("ask me later", LATER),
	case("Not right now, thanks", LATER),
	case("más tarde", LATER),
	case("yes but not until next month", LATER),
	case("I'm not busy, I just forgot", QUESTION),
	# --- BOOK.
	case("yes", BOOK),
	case("Yes!", BOOK),
	case("YES 😊", BOOK),
	case("yeah", BOOK),
	case("yep", BOOK),
	case("Yesss", BOOK),
	case("sure", BOOK),
	case("ok", BOOK),
	case("Okay", BOOK),
	case("book", BOOK),
	case("Book me", BOOK),
	case("I'd like to book", BOOK),
	case("I’d like to book a cleaning", BOOK),
	case("can I come in", BOOK),
	case("Can I come in?", BOOK),
	case("could you book me in please?", BOOK),
	case("schedule me", BOOK),
	case("I want an appointment", BOOK),
	case("sounds good", BOOK),
	case("Sounds good!", BOOK),
	case("sí", BOOK),
	case("Quiero una cita", BOOK),
	case("   yes    please   ", BOOK),
	case("yes but how much does it cost?", QUESTION),
	case("Yes, but I can only do Saturdays", QUESTION),
	case("Yes?", QUESTION),
	case("what times do you have?", QUESTION),
	# --- Everything else.
	case("", QUESTION),
	case("   ", QUESTION),
	case(None, QUESTION),
	case("👍", QUESTION),  # emoji-only and media-only messages go to a person
	case("No", QUESTION),
	case("Do you take Delta Dental?", QUESTION),
	case("Is Dr. Patel still there", QUESTION),
	case("thank you", QUESTION),
]


@pytest.mark.parametrize("body,offered,opted_out,kind,choice,reason", CASES)
def test_real_world_replies(body, offered, opted_out, kind, choice, reason):
	intent = classify(body, offered_choices=offered, opted_out=opted_out)
	assert intent.kind == kind, intent
	assert intent.choice == choice, intent
	assert intent.leave_reason == reason, intent


def test_table_is_large():
	assert len(CASES) >= 110


def test_yes_depends_on_opt_out_state():
	assert classify("YES").kind == BOOK
	assert classify("YES", opted_out=True).kind == START
	assert classify("si").kind == BOOK
	assert classify("si", opted_out=True).kind == START
	assert classify("START").kind == START


def test_matched_records_what_decided():
	assert classify("STOP!!!").matched == "stop"
	assert classify("stop texting me please").matched == "stop texting"
	assert classify("Too expensive").matched == "too expensive"
	assert classify("#2", offered_choices=3).matched == "2"
	assert classify("").matched == ""
	assert classify(None) == Intent(QUESTION)


def test_intent_is_frozen():
	intent = classify("stop")
	with pytest.raises(AttributeError):
		intent.kind = BOOK


def test_long_message_with_opt_out_at_the_end():
	body = "I appreciate the reminder. " * 60 + "Please stop texting me."
	assert len(body) > 1600
	assert classify(body).kind == STOP


def test_long_unrelated_message_is_a_question():
	body = "When is the end of the month and can I cancel my appointment? " * 30
	assert len(body) > 1600
	assert classify(body).kind == QUESTION


def test_module_does_not_import_frappe():
	import winback_app.engine.replies as replies

	with open(replies.__file__, encoding="utf-8") as handle:
		source = handle.read()
	assert "import frappe" not in source
	assert "from frappe" not in source


# --- Properties.

_whitespace_and_punctuation = st.text(alphabet=" .!?,\n\t", max_size=6)


@st.composite
def _random_case(draw, word):
	flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
	return "".join(c.upper() if flip else c.lower() for c, flip in zip(word, flips, strict=True))


_stop_words = st.sampled_from(STOP_KEYWORDS + ("OPT-OUT", "OPT OUT", "opt-out")).flatmap(_random_case)


@settings(max_examples=300, deadline=None)
@given(body=st.text(max_size=2000), offered=st.integers(min_value=-1, max_value=12), opted_out=st.booleans())
def test_never_raises_and_kind_is_known(body, offered, opted_out):
	intent = classify(body, offered_choices=offered, opted_out=opted_out)
	assert isinstance(intent, Intent)
	assert intent.kind in KINDS
	if intent.kind == CHOICE:
		assert intent.choice is not None and 1 <= intent.choice <= offered
	else:
		assert intent.choice is None
	if intent.kind == LEAVING:
		assert intent.leave_reason in LEAVE_REASONS
	else:
		assert intent.leave_reason is None


@settings(max_examples=300, deadline=None)
@given(
	before=_whitespace_and_punctuation,
	word=_stop_words,
	after=_whitespace_and_punctuation,
	offered=st.integers(min_value=0, max_value=9),
	opted_out=st.booleans(),
)
def test_a_lone_stop_keyword_is_always_stop(before, word, after, offered, opted_out):
	intent = classify(before + word + after, offered_choices=offered, opted_out=opted_out)
	assert intent.kind == STOP, (before + word + after, intent)


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=300), suffix=st.text(max_size=300))
def test_explicit_opt_out_sentence_wins_anywhere(prefix, suffix):
	body = f"{prefix} \nPlease stop texting me.\n {suffix}"
	assert classify(body).kind == STOP


@settings(max_examples=200, deadline=None)
@given(
	n=st.integers(min_value=1, max_value=9),
	extra=st.integers(min_value=0, max_value=5),
	decoration=st.sampled_from(["{}", "{}.", "#{}", " {} ", "option {}", "{} please"]),
)
def test_number_choices_inside_and_outside_the_offer(n, extra, decoration):
	offered = n + extra
	intent = classify(decoration.format(n), offered_choices=offered)
	assert intent == Intent(CHOICE, choice=n, matched=str(n))
	assert classify(decoration.format(offered + 1), offered_choices=offered).kind == QUESTION


# --- understand(): categories, flags, dates and the compatible intent.

from datetime import date, datetime, timezone  # noqa: E402

from winback_app.engine.faq import FaqEntry, FaqIndex  # noqa: E402
from winback_app.engine.replies import CATEGORIES, Understanding, understand  # noqa: E402


def test_categories_are_the_public_contract():
	assert CATEGORIES == (
		"Booking",
		"Question",
		"Clinical",
		"Urgent",
		"Complaint",
		"Billing",
		"Not Now",
		"Leaving",
		"Opt-Out",
		"Opt-In",
		"Help",
		"Wrong Number",
		"FAQ",
		"Other",
	)


@pytest.mark.parametrize(
	"body,kind",
	[
		("Yes, my tooth really hurts", QUESTION),
		("Book me in, my gums are bleeding", QUESTION),
		("1, but my face is swollen", QUESTION),
		("next week works", BOOK),
		("Tuesday works", BOOK),
		("tomorrow is good", BOOK),
		("in March", LATER),
		("after the 15th", LATER),
		("I was charged twice", QUESTION),
	],
)
def test_classify_reads_triage_and_booking_days(body, kind):
	assert classify(body, offered_choices=3).kind == kind


def test_understanding_maps_to_the_compatible_intent():
	assert understand("yes").intent == Intent(BOOK, matched="yes")
	assert understand("2", offered_choices=3).intent == Intent(CHOICE, choice=2, matched="2")
	assert understand("I moved").intent.kind == LEAVING
	assert understand("STOP").intent.kind == STOP
	assert understand("START").intent.kind == START
	assert understand("my tooth hurts").intent.kind == QUESTION
	assert understand("thanks").intent.kind == QUESTION


def test_not_now_carries_the_named_date_and_booking_the_named_day():
	today = date(2026, 11, 18)
	later = understand("Maybe in March", today=today)
	assert (
		later.category == "Not Now" and later.snooze_until == date(2027, 3, 1) and later.matched == "in march"
	)
	assert understand("not now", today=today).snooze_until is None  # the default snooze applies
	assert understand("Maybe in March").snooze_until is None  # no date without a today
	booking = understand("Tuesday works", today=today)
	assert booking.category == "Booking" and booking.day_hint == date(2026, 11, 24)


def test_today_is_read_in_the_patient_s_time_zone():
	# 03:30 UTC on 1 December is still 30 November in New York: "next month" is 1 December there.
	now = datetime(2026, 12, 1, 3, 30, tzinfo=timezone.utc)
	assert understand("next month", now=now, tz="America/New_York").snooze_until == date(2026, 12, 1)
	assert understand("next month", now=now, tz="Europe/Madrid").snooze_until == date(2027, 1, 1)
	assert understand("next month", now=now, tz="Not/AZone").snooze_until == date(2027, 1, 1)
	naive = datetime(2026, 12, 1, 3, 30)  # taken as UTC
	assert understand("next month", now=naive).snooze_until == date(2027, 1, 1)


def test_empty_and_odd_bodies():
	assert understand(None) == Understanding("Other", Intent(QUESTION), to_person=True, language="en")
	assert understand("").category == "Other"
	assert understand(b"STOP").category == "Opt-Out"
	assert understand(12345).category == "Other"


def test_new_engine_modules_do_not_import_frappe():
	import winback_app.engine.answers as answers
	import winback_app.engine.faq as faq
	import winback_app.engine.language as language
	import winback_app.engine.snooze as snooze
	import winback_app.engine.wording as wording

	for module in (answers, faq, language, snooze, wording):
		with open(module.__file__, encoding="utf-8") as handle:
			source = handle.read()
		assert "import frappe" not in source and "from frappe" not in source, module.__name__


_INDEX = FaqIndex([FaqEntry("Opening hours", ("What are your hours?",), "Open 8-5.")])


@settings(max_examples=300, deadline=None)
@given(
	body=st.text(max_size=1000),
	offered=st.integers(min_value=-1, max_value=5),
	opted_out=st.booleans(),
	today=st.one_of(st.none(), st.dates(min_value=date(2020, 1, 1), max_value=date(2050, 12, 31))),
)
def test_understand_never_raises_and_is_consistent(body, offered, opted_out, today):
	got = understand(body, offered_choices=offered, opted_out=opted_out, faq=_INDEX, today=today)
	assert got.category in CATEGORIES
	assert got.intent.kind in KINDS
	assert got.language in ("en", "es")
	if got.category in ("Clinical", "Urgent", "Complaint", "Billing", "Question", "Other"):
		assert got.to_person and got.intent.kind == QUESTION
	if got.urgent:
		assert got.to_person
	if got.category == "FAQ":
		assert got.faq_id and not got.to_person and got.triage is None
	if got.snooze_until is not None:
		assert got.category == "Not Now" and today is not None and got.snooze_until > today
	assert (
		classify(body, offered_choices=offered, opted_out=opted_out)
		== understand(body, offered_choices=offered, opted_out=opted_out).intent
	)
