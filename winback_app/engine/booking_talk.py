"""Booking by text: what a patient's answer to our question means, which times to offer, and the words we send.

Jobs, all pure (no frappe, no I/O, never the clock: the caller passes the patient's local today and time):
- read(text, pending, today, now) -> Reading: a reply read against the question our last text asked (Pending):
  an offered time picked (PICK), constraints for the next offer (WANT, a Wish), "none of those" (OTHER_TIMES),
  a change to a booked appointment (CHANGE), a thank-you after booking (ACK), or UNCLEAR (a person decides).
- question_in(text) -> the question an outbound text asks (PARTS, NEXT, DAY or None); question_details() says
  more, for the template checks.
- choose_options(slots, wish) -> two or three concrete FreeSlots, spread over days and practitioners.
- options_text / confirm_text / booked_text / no_times_text / taken_text / slot_label: the words, English and
  Spanish, within
  two SMS segments (engine.sms), from the templates in engine.answers (and so translations/es.csv).

How a reply is read (decided here, once; everything is in the patient's calendar and never in the past):
- Days: "today"/"hoy" (today, even after hours: it then may match nothing and the offer says so), "tonight",
  "tomorrow"/"mañana" (but "la/por la/en la mañana" is the morning, "mañana por la tarde" is tomorrow afternoon),
  "day after tomorrow"/"pasado mañana", a weekday ("Thursday", "el jueves", "this Friday": the next one, today
  only while time remains, i.e. before 17:00 or when the time is unknown), "next Friday" (said before that
  Friday's week: both that Friday and the one a week later are offered, since people mean either), plural
  weekdays ("Thursdays", "los jueves": any Thursday), "this week" (today to Sunday), "later this week",
  "next week" (Monday to Sunday), "early/late next week", "weekend", "weekdays", "the 14th"/"el 14" (the next
  14th), "Dec 14", "14 de diciembre", "12/14" (month/day, the US way; day/month only when the first number
  cannot be a month), "12/14/2026" (a date already past is unclear). "Tuesday the 14th" must agree.
- Parts of the day: "mornings", "am", "early", "before work", "first thing" -> morning; "afternoons" -> afternoon,
  "lunchtime" 12:00-14:00, "after lunch" 13:00 on; "evenings", "after work" (17:00 on), "tonight" -> evening;
  "pm" is any time after noon; "early/late afternoon" narrow the part; two neighbouring parts ("mornings or
  afternoons") become one span; "morning or evening" is unclear. "Good morning" is a greeting, not a wish.
- Times: "9am", "9:30", "2 pm", "14:30", "at 3", "around 10", "3ish", "noon", "after 5", "before 10", "before
  noon", "between 2 and 4". A time without am/pm: 1-6 is afternoon (PM), 7-11 morning (AM), 12 noon, unless a
  part of the day in the same reply says otherwise ("tomorrow evening at 7" is 19:00). "at 3" matches a start
  within 15 minutes; a later offer widens it to the nearest times.
- Under OPTIONS / CONFIRM: "2", "#2", "option 2", "2nd", "the second one", "la segunda", "the last one", "the
  earliest", "any of those", and a day, time or practitioner that fits exactly one offered time ("Tue 9am", "the
  thursday one", "Dr. Lee") pick it; "yes" picks the one time of a CONFIRM. A day or time that fits none is a new
  WANT; one that fits several, a number out of range, or two numbers are UNCLEAR. A question ("Thursday?")
  never picks by its day or time alone. "none of those", "other times", "no", "ninguna", "otro día" ->
  OTHER_TIMES (with any new constraints). Once the offer has expired, a pick is a WANT: the same constraints
  (pending.wish) or the picked day/time, so fresh times are offered; CONFIRM is treated like OPTIONS here.
- Under PARTS: 1/2/3 ("two", "#2") are morning/afternoon/evening; under NEXT: "A" is the next available time;
  "next available", "asap", "earliest", "lo antes posible" mean it under any question. A digit or "A" where it
  was not offered is UNCLEAR.
- Negation: a day or time in a clause that says "not", "can't", "busy", "no puedo"... is dropped; when only
  negated constraints remain the reply is UNCLEAR ("any day but Monday" and "except" always are).
- Small typos in day and part words are corrected (rapidfuzz's OSA distance: one edit in words of 6-7
  letters, two in longer ones, never between two known words): "afternon", "tomorow", "wendesday".
- A reply that also names family ("and my son"), insurance or a practitioner we did not offer, or carries more
  than a couple of words we cannot place (one, for a pick), is UNCLEAR: a person reads it; a pick is also never
  made from a reply that hedges ("maybe 2", "ok, let me check", "yes but later"). A reply that puts things off
  ("not now", "text me next month") or is not about booking at all is UNCLEAR with about_booking False, so
  engine.replies reads it the usual way (a "not now", a question, an FAQ).
- Under BOOKED: "can't make it", "reschedule", "cancel", "running late", "no puedo ir" -> CHANGE (a person, never
  an automatic change); "thanks", "see you then" (a day or time only if it is the booked one) -> ACK.
The words (engine.booking_grammar) are read into facts first; this module weighs them against the question.

The texts: a time reads "Tue Dec 8, 9:00 AM" and, in Spanish, "mar 8 dic, 9:00 a. m." (weekday and month
abbreviated the RAE way, lower case, "a. m."/"p. m."). The Spanish sentences avoid á, í, ó and ú where a natural
wording allows ("indique otra fecha"), so three options stay GSM-7 (306 characters for two segments instead of
134); "sáb" and a "SÍ" question are UCS-2 and are cut to fit: the practice name first, then the practitioners'
names, then the description of the wish, then the last option (options_message().shown says which were sent).

Why not dateparser: it is not among the host's pinned packages (frappe, erpnext and healthcare do not bring it; it
would add regex, tzlocal and its language data to the bench), it parses one absolute datetime where a reply here
is a set of constraints (a span of days, a part of the day, "after 5", an option number, "none of those"), it
reads "Friday" as past or future by a setting rather than by whether time remains today, and it would still
need this grammar around it. engine.snooze's month and weekday tables are reused instead, and every rule above
is a test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from winback_app.engine import answers
from winback_app.engine.booking_grammar import PART_WINDOW, TITLES, Scan, read_words, wish_fields
from winback_app.engine.slots import PARTS as DAY_PARTS
from winback_app.engine.slots import FreeSlot, part_of_day
from winback_app.engine.sms import TWO_SEGMENTS_GSM7, TWO_SEGMENTS_UCS2, sms_size
from winback_app.engine.wording import normalize

# --- Pending question kinds: what the last outbound message asked.
PARTS = "parts"  # "Reply 1 for mornings, 2 for afternoons, or 3 for evenings"
NEXT = "next"  # "Reply A for the next available time, or tell us what day works best"
DAY = "day"  # "Reply with a day that works and we will send options"
OPTIONS = "options"  # numbered concrete options were sent (1..n)
CONFIRM = "confirm"  # one concrete time was sent: "Reply YES to book it"
BOOKED = "booked"  # an appointment was booked by text; the conversation is about it now
KINDS = (PARTS, NEXT, DAY, OPTIONS, CONFIRM, BOOKED)

MAX_ROUNDS = 4  # automatic offers before a person takes over
OPTIONS_VALID_FOR = timedelta(hours=24)
QUESTION_VALID_FOR = timedelta(days=14)  # PARTS/NEXT/DAY from a cadence touch

AT_WITHIN = timedelta(minutes=15)  # "at 3" fits a start this close
SAME_DAY_GAP = timedelta(hours=2)  # two options on one day are at least this far apart


@dataclass(frozen=True)
class Offered:
	"""One concrete option that was sent."""

	label: str  # "1", "2", "3" (CONFIRM uses "1")
	practitioner: str
	practitioner_name: str
	service_unit: str | None
	start: datetime  # naive, clinic time zone (as engine.slots.FreeSlot.start)
	minutes: int


@dataclass(frozen=True)
class Wish:
	"""What the patient asks for, as constraints on free slots."""

	part: str | None = None  # "morning" | "afternoon" | "evening" (engine.slots.PARTS)
	first_day: date | None = None  # inclusive range of days; None = from today
	last_day: date | None = None
	weekdays: frozenset[int] = frozenset()  # 0 = Monday; empty = any
	after: time | None = None  # "after 5", "after work" (17:00)
	before: time | None = None  # "before noon", "before 10"
	at: time | None = None  # "9am", "at 3"
	earliest: bool = False  # "next available", "A", "asap", "earliest", "soonest"

	def to_dict(self) -> dict:
		"""JSON-safe (ISO strings), only what is set: for storing on the conversation."""
		out: dict = {}
		if self.part:
			out["part"] = self.part
		for name in ("first_day", "last_day", "after", "before", "at"):
			value = getattr(self, name)
			if value is not None:
				out[name] = (
					value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
				)
		if self.weekdays:
			out["weekdays"] = sorted(self.weekdays)
		if self.earliest:
			out["earliest"] = True
		return out

	@classmethod
	def from_dict(cls, d: dict | None) -> Wish:
		"""The wish to_dict() stored; anything unreadable in it is left out (never raises)."""
		if not isinstance(d, dict):
			return cls()
		values: dict = {}
		part = d.get("part")
		if part in DAY_PARTS:
			values["part"] = part
		for name, parse in (
			("first_day", date.fromisoformat),
			("last_day", date.fromisoformat),
			("after", time.fromisoformat),
			("before", time.fromisoformat),
			("at", time.fromisoformat),
		):
			try:
				if d.get(name):
					values[name] = parse(str(d[name]))
			except (TypeError, ValueError):
				pass
		try:
			values["weekdays"] = frozenset(int(w) for w in d.get("weekdays") or () if 0 <= int(w) <= 6)
		except (TypeError, ValueError):
			pass
		values["earliest"] = bool(d.get("earliest"))
		return cls(**values)

	def is_empty(self) -> bool:
		return self == Wish()

	def has_days_or_times(self) -> bool:
		"""Any constraint besides "earliest"."""
		return bool(
			self.part
			or self.first_day
			or self.last_day
			or self.weekdays
			or self.after
			or self.before
			or self.at
		)


@dataclass(frozen=True)
class Pending:
	kind: str  # one of KINDS
	options: tuple[Offered, ...] = ()  # OPTIONS / CONFIRM
	wish: Wish = Wish()  # the constraints the last options answered (kept for "none of those")
	expired: bool = False  # the options are older than the Frappe side's validity (OPTIONS_VALID_FOR)
	rounds: int = 0  # automatic offers already made in this conversation


# --- Readings.
PICK, WANT, OTHER_TIMES, CHANGE, UNCLEAR = "pick", "want", "other_times", "change", "unclear"
ACK = "ack"  # under BOOKED: "thanks", "see you then" (nothing to do, nobody needs to answer)
READINGS = (PICK, WANT, OTHER_TIMES, CHANGE, UNCLEAR, ACK)


@dataclass(frozen=True)
class Reading:
	kind: str  # one of READINGS
	option: Offered | None = None  # PICK: one of pending.options
	wish: Wish = Wish()  # WANT / OTHER_TIMES: the constraints (empty for a plain "yes")
	matched: str = ""  # the words that decided it (for staff)
	# The reply is about booking (a pick, a day, a time, a digit answering our question...). UNCLEAR with
	# about_booking False means "not a booking answer": engine.replies reads it the usual way.
	about_booking: bool = True


# ---------------------------------------------------------------------------------------------------------------
# Reading a reply


def read(text: str | None, pending: Pending | None, today: date, now: time | None = None) -> Reading:
	"""What a reply means for the booking, read against the pending question. Never raises, never in the past.

	today / now: the patient's local date and time (the caller converts); now None counts as "time remains
	today". See the module docstring for every rule."""
	try:
		return _read(text, pending, today, now)
	except (ValueError, OverflowError):  # an impossible date somewhere: a person reads it
		return Reading(UNCLEAR, matched="unreadable date")


def _read(text, pending: Pending | None, today: date, now: time | None) -> Reading:
	kind = pending.kind if pending else None
	scan = read_words(text, today, now)
	if scan.empty:
		return Reading(UNCLEAR, about_booking=False)

	if kind == BOOKED:
		if scan.change:
			return Reading(CHANGE, matched=scan.change)
		if (scan.ack or scan.thanks and not scan.unknown) and not scan.numbers:
			# "thanks", "see you Tuesday": a thank-you, when any day or time it names is the booked one.
			wish, problem = _wish(scan, today, now)
			booked = pending.options[0] if pending.options else None
			if not problem and (
				not wish.has_days_or_times() or booked is not None and _option_fits(booked, wish, scan)
			):
				return Reading(ACK, matched=scan.ack or scan.thanks)
		if scan.about_booking:
			return Reading(UNCLEAR, matched=scan.matched or "after booking")
		return Reading(UNCLEAR, about_booking=False)

	if scan.putoff or scan.thanks_only:
		# "not now", "after the 15th", "ok thanks": not a booking answer. engine.replies reads it the usual way
		# (a "not now" with its date, a thank-you for a person).
		return Reading(UNCLEAR, matched=scan.putoff or scan.thanks_only, about_booking=False)
	if scan.topic:
		# "Are you open today?", "1 please. What's the address?": the usual reading (an FAQ, a question for a
		# person), unless it also answers the offer itself; then a booking answer for a person.
		return Reading(UNCLEAR, matched=scan.topic, about_booking=scan.names_a_choice)
	if scan.change or scan.person:
		# "reschedule" with nothing booked, "and my son", "Medicaid": a person. A booking answer for a person when
		# it also names a day, a time or a choice; else the usual reading (a question, another message).
		return Reading(UNCLEAR, matched=scan.change or scan.person, about_booking=scan.names_something)
	if scan.unclear:
		return Reading(UNCLEAR, matched=scan.unclear, about_booking=True)

	options = pending.options if kind in (OPTIONS, CONFIRM) else ()
	labels = frozenset(int(o.label) for o in options if o.label.isdigit())
	wish, problem = _wish(scan, today, now, labels=labels)
	if problem:
		return Reading(UNCLEAR, matched=problem, about_booking=True)

	if options and not scan.no:
		picked = _pick(scan, options, wish, kind)
		if picked is _SEVERAL:
			return Reading(UNCLEAR, matched=f"{scan.matched or 'a practitioner'}: more than one offered time")
		if picked is not None:
			if scan.hedge:
				return Reading(UNCLEAR, matched=f"{scan.hedge}: {scan.matched or picked.label}")
			if scan.question and scan.unknown:
				# "1 please. Also, what's your address?": the question needs an answer the pick would lose.
				return Reading(UNCLEAR, matched=scan.matched or picked.label)
			return _picked(picked, scan, pending, wish)
	if scan.doctor:
		# A practitioner the offer does not settle: we cannot honour it automatically.
		return Reading(UNCLEAR, matched=scan.matched or "a practitioner", about_booking=scan.names_something)
	if scan.hedge and not wish.has_days_or_times() and not scan.earliest and not scan.other:
		# "I'll think about it", "yes, but...": nothing to offer; a person reads it.
		return Reading(UNCLEAR, matched=scan.hedge, about_booking=scan.names_something)

	if scan.other or (scan.no and kind in (OPTIONS, CONFIRM)):
		if kind not in (OPTIONS, CONFIRM):
			return Reading(UNCLEAR, matched=scan.other or scan.no, about_booking=pending is not None)
		if len(scan.unknown) > 2:
			return Reading(UNCLEAR, matched=scan.other or scan.no)
		if scan.earlier:
			wish = replace(wish, earliest=True)
		return Reading(OTHER_TIMES, wish=wish, matched=scan.other or scan.no)
	if scan.no and not wish.has_days_or_times() and not scan.earliest:
		return Reading(UNCLEAR, matched=scan.no, about_booking=False)

	choices = [n for n in scan.ordinals if n in labels or n not in scan.ordinal_days]
	if scan.numbers or choices:
		if kind == PARTS and not choices:
			parts = set()
			for number in scan.numbers:
				if not 1 <= number <= len(DAY_PARTS):
					return Reading(UNCLEAR, matched=str(number))
				parts.add(DAY_PARTS[number - 1])
			wish, problem = _wish(scan, today, now, extra_parts=parts)
			if problem:
				return Reading(UNCLEAR, matched=problem)
		else:
			# A number nobody offered: not a day, not a time, not a choice.
			label = " ".join(str(n) for n in (*scan.numbers, *choices))
			return Reading(UNCLEAR, matched=label, about_booking=pending is not None)
	if scan.letter_a:
		if kind != NEXT:
			return Reading(UNCLEAR, matched="A", about_booking=pending is not None)
		wish = replace(wish, earliest=True)
	if scan.earliest:
		wish = replace(wish, earliest=True)

	if kind == CONFIRM and scan.yes and wish.is_empty():
		# "yes" to one time is handled by _pick; reaching here means it was not readable as one.
		return Reading(UNCLEAR, matched=scan.yes)
	if kind == OPTIONS and scan.yes and wish.is_empty() and not scan.any:
		return Reading(UNCLEAR, matched=scan.yes)  # "yes" to three times: which one?

	if not wish.is_empty() or scan.yes or scan.any or scan.anytime or scan.letter_a:
		if len(scan.unknown) > 2:
			return Reading(UNCLEAR, matched=scan.matched, about_booking=True)
		return Reading(WANT, wish=wish, matched=scan.matched or scan.yes or scan.any or scan.anytime)
	about = scan.about_booking or bool(options) and scan.doctor
	return Reading(UNCLEAR, matched=scan.matched, about_booking=about and pending is not None)


def _wish(scan: Scan, today: date, now: time | None, **more) -> tuple[Wish, str | None]:
	fields, problem = wish_fields(scan, today, now, **more)
	return (Wish(), problem) if problem else (Wish(**fields), None)


def _picked(option: Offered, scan: Scan, pending: Pending, wish: Wish) -> Reading:
	# Nothing left over but courtesies: "2 is bad", "2 nvm", "2 for Maria", "2 jk" are not picks. A word we
	# cannot read may take the number back, and booking a time the patient did not choose is the one mistake
	# a person cannot undo before the patient has been told it is booked.
	name_words = {w for w in normalize(option.practitioner_name)[1].split() if len(w) >= 3} - TITLES
	if (
		[w for w in scan.unknown if w not in name_words]
		or _FOR_OTHERS.search(scan.whole)
		or _NEGATIVE.search(scan.whole)
	):
		return Reading(UNCLEAR, matched=scan.matched or option.label)
	named = option.practitioner_name if _names_practitioner(scan, option) else ""
	matched = (
		" ".join(filter(None, (scan.matched, named))) or scan.yes or scan.any or scan.anytime or option.label
	)
	if pending.expired:
		# The times may be gone: offer fresh ones, for the day or time picked or the same constraints as before.
		fresh = wish if wish.has_days_or_times() else pending.wish
		return Reading(WANT, wish=fresh, matched=matched)
	return Reading(PICK, option=option, matched=matched)


# "2 is no good", "not 2", "2 won't work": a number named to turn it down.
_NEGATIVE = re.compile(r"\b(?:no|not|nope|nah|cant|cannot|wont|dont|never|bad|nunca|tampoco|imposible)\b")

# A number of people or of appointments, or a time for someone else: a person arranges it.
_FOR_OTHERS = re.compile(
	r"\b(?:[0-9]+|two|three|four|dos|tres|cuatro) (?:appointments?|appts?|spots?|slots?|people|persons?|of us"
	r"|kids|children|citas|personas|de nosotros)\b"
	r"|\b(?:both of us|all of us|the two of us|for us|for both|for all|los dos|las dos|para los|para las)\b"
	r"|\b(?:roommate|friend|partner|boyfriend|girlfriend|fiance|coworker|neighbor|neighbour|amigo|amiga"
	r"|novio|novia|vecino|vecina|companero|companera)s?\b"
)


_SEVERAL = Offered("", "", "", None, datetime.min, 0)  # a day or time that fits more than one offered time


def _pick(scan: Scan, options: Sequence[Offered], wish: Wish, kind: str) -> Offered | None:
	"""The one offered option the reply chooses; None when it chooses none (or contradicts itself), _SEVERAL
	when its day, time or practitioner fits more than one."""
	by_label = {o.label: o for o in options}
	chosen: list[Offered] = []
	for number in scan.numbers:
		option = by_label.get(str(number))
		if option is None:
			return None
		chosen.append(option)
	for number in scan.ordinals:
		# "the 2nd" is the second option when there is one; else a day of the month (already in the wish).
		option = by_label.get(str(number))
		if option is not None:
			chosen.append(option)
		elif number not in scan.ordinal_days:
			return None  # "the third one" of two
	if scan.last:
		chosen.append(max(options, key=lambda o: int(o.label) if o.label.isdigit() else 0))
	if scan.earliest or scan.any or scan.anytime and not wish.has_days_or_times():
		chosen.append(min(options, key=lambda o: o.start))
	if len({o.label for o in chosen}) > 1:
		return None
	named = [o for o in options if _names_practitioner(scan, o)]
	if scan.doctor and not named:
		return None
	selectors = wish.has_days_or_times() or bool(named)
	if chosen:
		option = chosen[0]
		if selectors and not (_option_fits(option, wish, scan) and (not named or option in named)):
			return None  # "2, the Tuesday one" when 2 is on Thursday
		return option
	if selectors:
		if scan.question:
			return None  # "Thursday?" asks; it does not choose
		fitting = [o for o in options if _option_fits(o, wish, scan) and (not named or o in named)]
		if len(fitting) > 1:
			return _SEVERAL
		return fitting[0] if fitting else None
	if kind == CONFIRM and scan.yes and len(options) == 1 and not scan.question:
		return options[0]  # "yes" (not "yes?")
	return None


def _option_fits(option: Offered, wish: Wish, scan: Scan) -> bool:
	day = option.start.date()
	clock = option.start.time()
	if wish.first_day and day < wish.first_day or wish.last_day and day > wish.last_day:
		return False
	if wish.weekdays and day.weekday() not in wish.weekdays:
		return False
	if wish.part and part_of_day(clock) != wish.part:
		return False
	if wish.after and clock < wish.after or wish.before and clock >= wish.before:
		return False
	if wish.at:
		if scan.minutes_given:
			return clock.hour == wish.at.hour and clock.minute == wish.at.minute
		return clock.hour == wish.at.hour
	return True


def _names_practitioner(scan: Scan, option: Offered) -> bool:
	names = {w for w in normalize(option.practitioner_name)[1].split() if len(w) >= 3} - TITLES
	return bool(names & set(scan.leftover))


# ---------------------------------------------------------------------------------------------------------------
# The question an outbound text asks


@dataclass(frozen=True)
class Question:
	"""What an outbound text offers the patient to answer with."""

	kind: str | None  # PARTS, NEXT, DAY or None
	parts: tuple[tuple[int, str], ...] = ()  # PARTS: (digit, part) as the text pairs them
	letter: bool = False  # offers "A"
	says_next: bool = False  # says what "A" is: the next available time
	invites_day: bool = False  # "reply with a day", "tell us what day works"


_PART_OF = {
	**dict.fromkeys(("morning", "mornings", "manana", "mananas"), DAY_PARTS[0]),
	**dict.fromkeys(("afternoon", "afternoons", "tarde", "tardes"), DAY_PARTS[1]),
	**dict.fromkeys(("evening", "evenings", "night", "nights", "noche", "noches"), DAY_PARTS[2]),
}
_PART_NAMES = "(?P<part>mornings?|afternoons?|evenings?|nights?|mananas?|tardes?|noches?)"
_OFFER_DIGIT = re.compile(
	r"(?<![\d:/$.,])\b(?P<digit>[1-3])\b(?![\d:/])(?! ?(?:am|pm|st|nd|rd|th|\)))[\s:=\-]*"
	r"(?:(?:for|para|is|es|if|si|=|in|en|por|the|a|an|la|las|el|los|de|you|usted|prefer|prefiere|want|quiere"
	r"|prefieres|quieres)\s+){0,4}" + _PART_NAMES + r"\b"
)
_OFFER_DIGIT_AFTER = re.compile(_PART_NAMES + r"\s*(?:\(\s*|=\s*)(?P<digit>[1-3])\b")
_REPLY_VERB = re.compile(
	r"\b(?:reply|text|send|respond|answer|responda|responde|conteste|envie|escriba|mande|marque|press|type)\b"
)
_OFFER_LETTER = re.compile(
	r"(?i:\b(?:reply|text|send|respond|answer|responda|responde|conteste|env[ií]e|escriba|mande|marque|type))"
	r"(?i:\s+(?:with|back|us|con|la letra|the letter))*\s+(?:[\"'\u201c\u2018\u00ab(]?A[\"'\u201d\u2019\u00bb)]?"
	r"|[\"'\u201c\u2018\u00ab(]a[\"'\u201d\u2019\u00bb)])(?=[\s,.!:;]|$)"
	r"(?!\s+(?:few|couple|day|date|time|message|text|number|word|quick|short|new|good|bit)\b)"
	# "..., or A for the next available time" after another offer.
	r"|(?i:\b(?:or|o)),?\s+[\"'\u201c\u2018\u00ab(]?A[\"'\u201d\u2019\u00bb)]?\s+(?i:for|para|to|if|si)\b"
)
_SAYS_NEXT = re.compile(
	r"\bnext (?:available|open|opening|free)\b|\bfirst (?:available|open|opening|free)\b|\bearliest\b|\bsoonest\b"
	r"|\b(?:proxim|siguiente)[ao]? (?:hora|cita|fecha|horario|espacio)\b|\bprimer[ao]? (?:hora|cita|fecha|horario|espacio)"
	r" (?:disponible|libre)\b|\blo antes posible\b|\bhora mas (?:proxima|cercana)\b"
)
_INVITES_DAY = re.compile(
	r"\b(?:reply|text|tell|let us know|send|respond|write)(?: (?:us|back|with|me|know))* (?:a|the|what|which|any"
	r"|your|one|the best) (?:day|date|days|dates)\b"
	r"|\bwhat (?:day|days|date) (?:works|work|is best|suits|would work|is good)\b"
	r"|\bwhich (?:day|days|date) (?:works|work|is best|suits|would work|is good)\b"
	r"|\b(?:responda|diganos|digame|indique|indiquenos|escribanos|envienos|mandenos|conteste|cuentenos)(?: (?:con"
	r"|nos))* (?:un|el|que|cual|una|la|algun) (?:dia|fecha)\b"
	r"|\bque (?:dia|fecha) le (?:conviene|funciona|sirve|queda|viene)\b"
)


def question_details(text: str | None) -> Question:
	"""What an outbound text (rendered, any language we ship) offers the patient to reply with."""
	if not text:
		return Question(None)
	plain, _flat = normalize(text)
	pairs: dict[int, str] = {}
	for pattern in (_OFFER_DIGIT, _OFFER_DIGIT_AFTER):
		for found in pattern.finditer(plain):
			pairs.setdefault(int(found.group("digit")), _PART_OF[found.group("part")])
	letter = bool(_OFFER_LETTER.search(unicodedata.normalize("NFKC", text)))
	says_next = bool(_SAYS_NEXT.search(plain))
	invites_day = bool(_INVITES_DAY.search(plain))
	offers_parts = bool(pairs) and (len(pairs) >= 2 or bool(_REPLY_VERB.search(plain)))
	if letter:
		kind = NEXT
	elif offers_parts:
		kind = PARTS
	elif invites_day:
		kind = DAY
	else:
		kind = None
	return Question(
		kind,
		parts=tuple(sorted(pairs.items())) if offers_parts else (),
		letter=letter,
		says_next=says_next,
		invites_day=invites_day,
	)


def question_in(text: str | None) -> str | None:
	"""Which pending kind an outbound text asks: NEXT when it offers "A", PARTS when it offers 1/2/3 for parts of
	the day, DAY when it invites a day; else None. Called when a text is sent, to register its question."""
	return question_details(text).kind


# ---------------------------------------------------------------------------------------------------------------
# Choosing the times to offer


def choose_options(
	slots: Sequence[FreeSlot], wish: Wish, *, exclude: Iterable = (), n: int = 3
) -> tuple[list[FreeSlot], bool]:
	"""Up to n concrete options from the slot engine's free slots (sorted, never in the past) for the wish.

	Spread: different days first (each day's best slot: its earliest, or the closest to "at"), a practitioner
	not offered yet where several fit about then, then more times on the same days at least two hours apart.
	exclude: starts (datetime), (practitioner, start) pairs or Offered already offered. Returns (options,
	exact); when nothing fits, the wish is relaxed (the times of day, then the part of the day, then the days)
	and the nearest options come back with exact False. An empty list only when no slot is left at all."""
	starts: set[datetime] = set()
	pairs: set[tuple[str, datetime]] = set()
	for item in exclude:
		if isinstance(item, Offered):
			pairs.add((item.practitioner, item.start))
		elif isinstance(item, tuple) and len(item) == 2:
			pairs.add((item[0], item[1]))
		elif isinstance(item, datetime):
			starts.add(item)
	pool = [s for s in slots if s.start not in starts and (s.practitioner, s.start) not in pairs]
	if not pool or n < 1:
		return [], not pool
	for level, relaxed in enumerate(_relaxations(wish)):
		fitting = [s for s in pool if _slot_fits(s, relaxed)]
		if fitting:
			return _spread(fitting, wish, n), level == 0
	return _spread(pool, wish, n), False


def offers(slots: Sequence[FreeSlot], names: Mapping[str, str] | None = None) -> tuple[Offered, ...]:
	"""The chosen slots as numbered options ("1", "2", ...), with the practitioners' names for the text."""
	names = names or {}
	return tuple(
		Offered(
			label=str(index),
			practitioner=slot.practitioner,
			practitioner_name=names.get(slot.practitioner) or slot.practitioner,
			service_unit=slot.service_unit,
			start=slot.start,
			minutes=slot.minutes,
		)
		for index, slot in enumerate(slots, start=1)
	)


def _relaxations(wish: Wish) -> list[Wish]:
	steps = [
		wish,
		replace(wish, at=None, after=None, before=None),
		replace(wish, at=None, after=None, before=None, part=None),
		Wish(earliest=wish.earliest),
	]
	unique: list[Wish] = []
	for step in steps:
		if step not in unique:
			unique.append(step)
	return unique


def _slot_fits(slot: FreeSlot, wish: Wish) -> bool:
	day = slot.start.date()
	clock = slot.start.time()
	if wish.first_day and day < wish.first_day or wish.last_day and day > wish.last_day:
		return False
	if wish.weekdays and day.weekday() not in wish.weekdays:
		return False
	if wish.part and (slot.part_of_day or part_of_day(clock)) != wish.part:
		return False
	if wish.after and clock < wish.after or wish.before and clock >= wish.before:
		return False
	if wish.at and abs(slot.start - datetime.combine(day, wish.at)) > AT_WITHIN:
		return False
	return True


def _rank(slot: FreeSlot, wish: Wish) -> tuple:
	"""How near a slot is to the wish: days outside the range, a weekday not asked for, minutes from the time."""
	day = slot.start.date()
	if wish.first_day and day < wish.first_day:
		days_off = (wish.first_day - day).days
	elif wish.last_day and day > wish.last_day:
		days_off = (day - wish.last_day).days
	else:
		days_off = 0
	weekday_off = int(bool(wish.weekdays) and day.weekday() not in wish.weekdays)
	minutes = slot.start.hour * 60 + slot.start.minute
	if wish.at:
		target = wish.at.hour * 60 + wish.at.minute
		off = abs(minutes - target)
		off = 0 if off * 60 <= AT_WITHIN.total_seconds() else off
	else:
		low, high = 0, 24 * 60
		if wish.part:
			window = PART_WINDOW[wish.part]
			low, high = window[0].hour * 60 + window[0].minute, window[1].hour * 60 + window[1].minute
		if wish.after:
			low = max(low, wish.after.hour * 60 + wish.after.minute)
		if wish.before:
			high = min(high, wish.before.hour * 60 + wish.before.minute)
		off = low - minutes if minutes < low else (minutes - high + 1 if minutes >= high else 0)
	return (days_off, weekday_off, off, slot.start, slot.practitioner, slot.service_unit or "")


def _spread(candidates: list[FreeSlot], wish: Wish, n: int) -> list[FreeSlot]:
	ranks = {id(s): _rank(s, wish) for s in candidates}
	ranked = sorted(candidates, key=lambda s: ranks[id(s)])
	by_day: dict[date, list[FreeSlot]] = {}
	for slot in ranked:
		by_day.setdefault(slot.start.date(), []).append(slot)
	chosen: list[FreeSlot] = []
	used: list[str] = []

	def take(slot: FreeSlot) -> None:
		chosen.append(slot)
		used.append(slot.practitioner)

	for day_slots in by_day.values():
		if len(chosen) >= n:
			break
		best = day_slots[0]
		key = ranks[id(best)][:3]
		near = [
			s
			for s in day_slots
			if ranks[id(s)][:3] == key and abs(s.start - best.start) <= timedelta(hours=1)
		]
		fresh = [s for s in near if s.practitioner not in used]
		take(fresh[0] if fresh else best)
	if len(chosen) >= n:
		return sorted(chosen, key=lambda s: (s.start, s.practitioner))
	# Fewer days than options: more times on those days, at least two hours apart, a practitioner not offered
	# yet first.
	for slot in sorted(ranked, key=lambda s: s.practitioner in used):
		if len(chosen) >= n:
			break
		if all(
			abs(slot.start - c.start) >= SAME_DAY_GAP for c in chosen if c.start.date() == slot.start.date()
		):
			take(slot)
	# Few slots left: the other starts, as far from the chosen ones as they can be.
	while len(chosen) < n:
		others = [s for s in ranked if all(c.start != s.start for c in chosen)]
		if not others:
			break
		take(max(others, key=lambda s: min(abs(s.start - c.start) for c in chosen)))
	return sorted(chosen, key=lambda s: (s.start, s.practitioner))


# ---------------------------------------------------------------------------------------------------------------
# The words


_WEEKDAY_LABELS = {
	answers.ENGLISH: ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
	answers.SPANISH: ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_PLURAL_DAY_NAMES = {
	answers.ENGLISH: ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
	answers.SPANISH: ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos"),
}
_MONTH_LABELS = {
	answers.ENGLISH: ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
	answers.SPANISH: ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
}
# Short connecting words; the sentences themselves are engine.answers templates (and translations/es.csv).
_WORDS = {
	answers.ENGLISH: {
		"with": "with {name}",
		"for": "For {name}:",
		"or": "or",
		"on": "on {day}",
		"on plural": "on {days}",
		"weekdays": "on weekdays",
		"weekends": "on weekends",
		"span": "from {first} to {last}",
		"from": "from {first}",
		"until": "until {last}",
		"morning": "in the morning",
		"afternoon": "in the afternoon",
		"evening": "in the evening",
		"at": "at {time}",
		"after": "after {time}",
		"before": "before {time}",
		"between": "between {after} and {before}",
		"booked time": "{day} at {time}",
		"your clinic": "your clinic",
	},
	answers.SPANISH: {
		"with": "con {name}",
		"for": "Para {name}:",
		"or": "o",
		"on": "el {day}",
		"on plural": "los {days}",
		"weekdays": "entre semana",
		"weekends": "los fines de semana",
		"span": "del {first} al {last}",
		"from": "desde el {first}",
		"until": "hasta el {last}",
		"morning": "por la mañana",
		"afternoon": "por la tarde",
		"evening": "por la noche",
		"at": "a las {time}",
		"after": "después de las {time}",
		"before": "antes de las {time}",
		"between": "entre las {after} y las {before}",
		"booked time": "{day} a las {time}",
		"your clinic": "su clínica",
	},
}


@dataclass(frozen=True)
class OptionsMessage:
	"""A text offering options, and the options it shows (fewer than given when the text had to be cut)."""

	text: str
	shown: tuple[Offered, ...]


def slot_label(start: datetime, language: str | None) -> str:
	"""'Tue Dec 8, 9:00 AM' / 'mar 8 dic, 9:00 a. m.'."""
	lang = answers.language_of(language)
	return f"{_day_label(start.date(), lang)}, {_time_label(start.time(), lang)}"


def options_text(
	options: Sequence[Offered],
	language: str | None,
	*,
	exact: bool = True,
	wish: Wish = Wish(),
	practice: str = "",
	taken: bool = False,
	for_name: str = "",
) -> str:
	"""Numbered options in at most two SMS segments. When it cannot fit, the practice name goes first, then the
	practitioners' names, the description of the wish, and the last option: register options_message(...).shown,
	not the options given, as the pending OPTIONS (or CONFIRM, when one is left). taken: the time the patient
	picked was booked by someone else meanwhile; the text says so first. for_name: whose times they are, when
	that is not the one texting (a parent for a child): "For Leo: ..."."""
	return options_message(
		options, language, exact=exact, wish=wish, practice=practice, taken=taken, for_name=for_name
	).text


def options_message(
	options: Sequence[Offered],
	language: str | None,
	*,
	exact: bool = True,
	wish: Wish = Wish(),
	practice: str = "",
	taken: bool = False,
	for_name: str = "",
) -> OptionsMessage:
	"""options_text() with the options the text shows."""
	if not options:
		raise ValueError("options_text needs at least one option")
	lang = answers.language_of(language)
	options = tuple(options)
	text = ""
	for say_taken in (True, False) if taken else (False,):  # "that time was just taken" goes last of all
		for count in range(len(options), 0, -1):
			shown = options[:count]
			for prefix, names, describe in _SHORTER:
				if len(shown) == 1:
					core = _confirm(shown[0], lang, exact=exact, wish=wish, name=names, describe=describe)
				else:
					core = _options(shown, lang, exact=exact, wish=wish, names=names, describe=describe)
				text = _compose(core, lang, practice if prefix else "", say_taken, for_name)
				if _fits(text):
					return OptionsMessage(text, shown)
	return OptionsMessage(text, options[:1])


def confirm_text(
	option: Offered,
	language: str | None,
	*,
	exact: bool = True,
	wish: Wish = Wish(),
	practice: str = "",
	taken: bool = False,
) -> str:
	"""One time, ending "Reply YES to book it, or tell us another day." (the pending CONFIRM)."""
	lang = answers.language_of(language)
	text = ""
	for say_taken in (True, False) if taken else (False,):
		for prefix, names, describe in _SHORTER:
			core = _confirm(option, lang, exact=exact, wish=wish, name=names, describe=describe)
			text = _compose(core, lang, practice if prefix else "", say_taken)
			if _fits(text):
				return text
	return text


def taken_text(language: str | None) -> str:
	"""'Sorry, that time was just taken.': before new options, when the pick was booked by someone else."""
	return answers.answer_text(answers.BOOK_TAKEN, language)


# What a text drops, in order, to fit: (practice name, practitioners' names, the wish described).
_SHORTER = ((True, True, True), (False, True, True), (False, False, True), (False, False, False))


def _compose(core: str, lang: str, practice: str, taken: bool, for_name: str = "") -> str:
	pieces = [f"{practice}:"] if practice else []
	if taken:
		pieces.append(taken_text(lang))
	if for_name:
		pieces.append(_WORDS[lang]["for"].format(name=for_name))
	return " ".join([*pieces, core])


def booked_text(
	option: Offered,
	language: str | None,
	*,
	practice: str,
	address: str,
	phone: str,
	calendar_link: str | None,
	for_name: str = "",
) -> str:
	"""The confirmation: day, date, time, practitioner, the practice and its address, the phone, a calendar link.
	To fit two segments the calendar link goes first, then the practitioner, the address and the phone; the day,
	date and time always stay. for_name: whose appointment it is, when that is not the one texting (a parent
	booking for a child): "For Leo: You're booked: ..."."""
	lang = answers.language_of(language)
	words = _WORDS[lang]
	text = ""
	for link, name, where, call in (
		(True, True, True, True),
		(False, True, True, True),
		(False, False, True, True),
		(False, False, False, True),
		(False, False, False, False),
	):
		when = words["booked time"].format(
			day=_day_label(option.start.date(), lang), time=_time_label(option.start.time(), lang)
		)
		if lang == answers.SPANISH and option.start.hour % 12 == 1:
			when = when.replace("a las 1:", "a la 1:")
		if name and option.practitioner_name:
			when = f"{when} {words['with'].format(name=option.practitioner_name)}"
		place = (practice or "").strip() or words["your clinic"]
		if where and (address or "").strip():
			place = f"{place}, {address.strip()}"
		if link and calendar_link and call and (phone or "").strip():
			key = answers.BOOKED_CALENDAR
		elif call and (phone or "").strip():
			key = answers.BOOKED
		else:
			key = answers.BOOKED_SHORT
		text = answers.answer_text(key, lang, time=when, place=place, link=calendar_link or "", phone=phone)
		if for_name:
			text = f"{words['for'].format(name=for_name)} {text}"
		if _fits(text):
			break
	return text


def no_times_text(language: str | None, *, phone: str, link: str) -> str:
	"""Nothing is free online: call us, or see every time on the booking page."""
	return answers.answer_text(answers.BOOK_NO_TIMES, language, phone=phone, link=link)


def _options(
	shown: Sequence[Offered], lang: str, *, exact: bool, wish: Wish, names: bool, describe: bool
) -> str:
	lines = " ".join(f"{o.label}) {_option_label(o, lang, names, list_form=True)}" for o in shown)
	numbers = _numbers([o.label for o in shown], lang)
	when = _describe(wish, lang) if describe else ""
	if not exact:
		key = answers.BOOK_NEAREST_WHEN if when else answers.BOOK_NEAREST
	else:
		key = answers.BOOK_OPTIONS_WHEN if when else answers.BOOK_OPTIONS
	return _tidy(answers.answer_text(key, lang, options=lines, numbers=numbers, when=when))


def _confirm(option: Offered, lang: str, *, exact: bool, wish: Wish, name: bool, describe: bool) -> str:
	label = _option_label(option, lang, name, list_form=False)
	when = _describe(wish, lang) if describe else ""
	if not exact:
		key = answers.BOOK_CONFIRM_NEAREST_WHEN if when else answers.BOOK_CONFIRM_NEAREST
	elif wish.earliest or not wish.has_days_or_times():
		key = answers.BOOK_CONFIRM_NEXT
	else:
		key = answers.BOOK_CONFIRM
	return _tidy(answers.answer_text(key, lang, time=label, when=when))


def _option_label(option: Offered, lang: str, name: bool, *, list_form: bool) -> str:
	label = slot_label(option.start, lang)
	if not (name and option.practitioner_name):
		return label
	if list_form:
		return f"{label}, {option.practitioner_name}"
	return f"{label} {_WORDS[lang]['with'].format(name=option.practitioner_name)}"


def _numbers(labels: Sequence[str], lang: str) -> str:
	if len(labels) == 1:
		return labels[0]
	return f"{', '.join(labels[:-1])} {_WORDS[lang]['or']} {labels[-1]}"


def _describe(wish: Wish, lang: str) -> str:
	"""The wish in a few words: 'on Thu Dec 10 in the afternoon', 'los jueves después de las 5:00 p. m.'."""
	words = _WORDS[lang]
	pieces: list[str] = []
	first, last = wish.first_day, wish.last_day
	if first and last and first == last:
		pieces.append(words["on"].format(day=_day_label(first, lang)))
	elif first and last:
		days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
		if wish.weekdays:
			days = [d for d in days if d.weekday() in wish.weekdays]
		if 0 < len(days) <= 3 and wish.weekdays:
			listed = [_day_label(d, lang) for d in days]
			pieces.append(words["on"].format(day=_join_or(listed, lang)))
		else:
			pieces.append(words["span"].format(first=_day_label(first, lang), last=_day_label(last, lang)))
	elif first:
		pieces.append(words["from"].format(first=_day_label(first, lang)))
	elif last:
		pieces.append(words["until"].format(last=_day_label(last, lang)))
	if wish.weekdays and not (first and last):
		if wish.weekdays == frozenset(range(5)):
			pieces.append(words["weekdays"])
		elif wish.weekdays == frozenset({5, 6}):
			pieces.append(words["weekends"])
		else:
			names = [_PLURAL_DAY_NAMES[lang][d] for d in sorted(wish.weekdays)]
			pieces.append(words["on plural"].format(days=_join_or(names, lang)))
	if wish.part:
		pieces.append(words[wish.part])
	if wish.at:
		pieces.append(words["at"].format(time=_time_label(wish.at, lang)))
	elif wish.after and wish.before:
		pieces.append(
			words["between"].format(
				after=_time_label(wish.after, lang), before=_time_label(wish.before, lang)
			)
		)
	elif wish.after:
		pieces.append(words["after"].format(time=_time_label(wish.after, lang)))
	elif wish.before:
		pieces.append(words["before"].format(time=_time_label(wish.before, lang)))
	return " ".join(pieces)


def _join_or(items: Sequence[str], lang: str) -> str:
	if len(items) == 1:
		return items[0]
	return f"{', '.join(items[:-1])} {_WORDS[lang]['or']} {items[-1]}"


def _day_label(day: date, lang: str) -> str:
	weekday = _WEEKDAY_LABELS[lang][day.weekday()]
	month = _MONTH_LABELS[lang][day.month - 1]
	if lang == answers.SPANISH:
		return f"{weekday} {day.day} {month}"
	return f"{weekday} {month} {day.day}"


def _time_label(clock: time, lang: str) -> str:
	hour = clock.hour % 12 or 12
	if lang == answers.SPANISH:
		return f"{hour}:{clock.minute:02d} {'a. m.' if clock.hour < 12 else 'p. m.'}"
	return f"{hour}:{clock.minute:02d} {'AM' if clock.hour < 12 else 'PM'}"


def _tidy(text: str) -> str:
	"""'a las 7:00 a. m..' -> 'a las 7:00 a. m.': a sentence ending in an abbreviation takes one period."""
	return re.sub(r"\.\.(?=\s|$)", ".", text)


def _fits(text: str) -> bool:
	size = sms_size(text)
	limit = TWO_SEGMENTS_GSM7 if size.encoding == "GSM-7" else TWO_SEGMENTS_UCS2
	return size.characters <= limit
