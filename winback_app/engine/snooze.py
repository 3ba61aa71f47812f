"""Dates named in a patient's text: until when a "not now" pauses, and which day a "Tuesday works" means.

One job: read a date out of a normalized text (engine.wording's flat form), relative to the patient's today.
snooze_until() answers "not now" texts and returns the latest date the text names ("not this week, maybe next
month" waits for next month), never today or earlier; day_hint() answers booking texts with the first day named
("tomorrow is good"). English and Spanish. What each expression means (decided here, once):

- a date: "March 3", "3rd of March", "3 de marzo" -> that date (next year once it has passed); "after March 3"
  -> the day after. "after the 15th" / "despues del 15" -> the next 16th (the month's last day if shorter).
- "in 2 weeks", "in a few weeks" (3), "in a couple of months" (2), "en dos semanas", "dentro de un mes".
- "next week" -> next Monday; "next month" -> the 1st of next month; "next year" -> early January (6th).
- "after the holidays", "after new year", "in the new year", "despues de las fiestas" -> early January (6th);
  "after christmas" -> 27 December (early January once Christmas has come); "after thanksgiving" -> the
  Monday after; "after easter" / "despues de semana santa" -> Easter Monday; "after the summer" -> 1 September.
- a month: "in March", "en marzo", "until April" -> its 1st ("mid March" the 15th, "late/end of March" the
  20th, "after March" the 1st of April); the current month -> a week from today, within the month (at least
  tomorrow).
- a season: "next spring", "in the fall", "en verano" -> its first day (1 March, June, September, December);
  nothing while that season is under way.
- "tomorrow", "mañana" (not "la mañana", the morning), weekday names ("Tuesday", "el martes") -> the next
  such day; "this weekend" / "next weekend" -> Saturday.
Standard library only; this module never performs I/O and never reads the clock (the caller passes today).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

EARLY_JANUARY = 6  # "after the holidays": the practice is back in full swing by the 6th

MONTHS = {
	"january": 1,
	"jan": 1,
	"enero": 1,
	"february": 2,
	"feb": 2,
	"febrero": 2,
	"march": 3,
	"marzo": 3,
	"april": 4,
	"apr": 4,
	"abril": 4,
	"may": 5,
	"mayo": 5,
	"june": 6,
	"junio": 6,
	"july": 7,
	"julio": 7,
	"august": 8,
	"aug": 8,
	"agosto": 8,
	"september": 9,
	"sept": 9,
	"septiembre": 9,
	"setiembre": 9,
	"october": 10,
	"oct": 10,
	"octubre": 10,
	"november": 11,
	"nov": 11,
	"noviembre": 11,
	"december": 12,
	"dec": 12,
	"diciembre": 12,
}
WEEKDAYS = {
	"monday": 0,
	"mondays": 0,
	"lunes": 0,
	"tuesday": 1,
	"tuesdays": 1,
	"tues": 1,
	"martes": 1,
	"wednesday": 2,
	"wednesdays": 2,
	"weds": 2,
	"miercoles": 2,
	"thursday": 3,
	"thursdays": 3,
	"thurs": 3,
	"jueves": 3,
	"friday": 4,
	"fridays": 4,
	"viernes": 4,
	"saturday": 5,
	"saturdays": 5,
	"sabado": 5,
	"sunday": 6,
	"sundays": 6,
	"domingo": 6,
}
_NUMBERS = {
	"a": 1,
	"an": 1,
	"one": 1,
	"un": 1,
	"una": 1,
	"uno": 1,
	"two": 2,
	"dos": 2,
	"couple": 2,
	"couple of": 2,
	"a couple": 2,
	"a couple of": 2,
	"three": 3,
	"tres": 3,
	"few": 3,
	"a few": 3,
	"several": 3,
	"some": 3,
	"unos": 3,
	"unas": 3,
	"four": 4,
	"cuatro": 4,
	"five": 5,
	"cinco": 5,
	"six": 6,
	"seis": 6,
	"eight": 8,
	"ocho": 8,
	"ten": 10,
	"diez": 10,
}
SEASONS = {
	"spring": 3,
	"primavera": 3,
	"summer": 6,
	"verano": 6,
	"fall": 9,
	"autumn": 9,
	"otono": 9,
	"winter": 12,
	"invierno": 12,
}

_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_DAY = r"(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th|ro|do|to|vo|no)?"
_DAY_ORDINAL = r"(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)"
_AFTER = r"(?P<after>after|despues de)"
_AMOUNT = r"(?P<n>[0-9]{1,2}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_WEEKDAY = "(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + ")"

_EXPRESSIONS = (
	("date", re.compile(rf"\b(?:{_AFTER} (?:the |el )?)?{_MONTH} (?:the )?{_DAY}\b")),
	("date", re.compile(rf"\b(?:{_AFTER} (?:the |el )?)?{_DAY} (?:of |de )?{_MONTH}\b")),
	# "after the 15th", "until the 3rd", "despues del 15"; never "by 5 pm" (an hour, not a day).
	("day of month", re.compile(rf"\b(?:{_AFTER}|until|till|til|hasta|by) (?:the |el ){_DAY}\b(?! of| de)")),
	("day of month", re.compile(rf"\b(?:{_AFTER}|until|till|til|hasta|by) {_DAY_ORDINAL}\b(?! of| de)")),
	("day of month", re.compile(rf"\b(?P<after>despues del|pasado el) {_DAY}\b(?! of| de)")),
	(
		"relative",
		re.compile(
			rf"\b(?:in|en|dentro de|within|after|another|otr[oa]s?) (?:about |like |maybe |around |unos |unas )?"
			rf"{_AMOUNT} (?:more )?(?P<unit>days?|weeks?|wks?|months?|mos?|years?|yrs?|dias|semanas?|mes|meses"
			rf"|anos?)\b"
		),
	),
	(
		"holidays",
		re.compile(
			r"\b(?:after|past|despues de|pasando) (?:the |las |los |el )?(?:holidays?|holiday season|new years?|fiestas"
			r"|ano nuevo|reyes|navidades|fiestas navidenas)\b|\bin the new year\b|\ben el ano nuevo\b"
			r"|\b(?:early|beginning of|start of) (?:next )?january\b"
		),
	),
	("christmas", re.compile(r"\b(?:after|despues de) (?:the )?(?:christmas|xmas|navidad|la navidad)\b")),
	(
		"thanksgiving",
		re.compile(r"\b(?:after|despues de|despues del) (?:dia de accion de gracias|thanksgiving)\b"),
	),
	("easter", re.compile(r"\b(?:after|despues de) (?:easter|semana santa|pascua)\b")),
	(
		"summer over",
		re.compile(
			r"\b(?:after|despues de|despues del) (?:the |el )?(?:summer|verano|school starts|labor day)\b"
		),
	),
	("tax season", re.compile(r"\b(?:after|despues de) (?:the )?tax (?:season|day)\b")),
	(
		"next period",
		re.compile(
			r"\b(?P<period>next (?:week|month|year)|(?:la )?(?:proxima|otra) semana|(?:la )?semana (?:que viene"
			r"|entrante)|(?:el )?(?:proximo|otro) (?:mes|ano)|(?:el )?(?:mes|ano) (?:que viene|entrante))\b"
		),
	),
	(
		"month",
		re.compile(
			rf"\b(?P<lead>in|en|until|till|til|by|around|after|for|early|late|mid|middle of|end of|the end of"
			rf"|beginning of|start of|next|hasta|despues de|para|a principios de|a mediados de|a finales de"
			rf"|a fines de|principios de|mediados de|finales de|fines de) (?:the month of |el mes de |de )?{_MONTH}\b"
		),
	),
	(
		"season",
		re.compile(
			r"\b(?:in|en|next|this|until|by|after|la proxima|el proximo|este|esta|in the|la|el) "
			r"(?:the )?(?P<season>spring|summer|fall|autumn|winter|primavera|verano|otono|invierno)\b"
		),
	),
	("weekend", re.compile(r"\b(?:this|next|the|el|este|el proximo) (?:weekend|fin de semana)\b")),
	(
		"tomorrow",
		re.compile(r"\b(?:tomorrow|tmrw|tmr|tomorow|tomoro|tommorow|tommorrow|2morrow|(?<!la )manana)\b"),
	),
	("today", re.compile(r"\b(?:today|tonight|this afternoon|this evening|hoy|esta tarde)\b")),
	("weekday", re.compile(rf"\b(?P<next>next |this |el proximo |este |el )?{_WEEKDAY}\b")),
)
# The expressions a booking's day hint reads: single days, not vague spans.
_DAY_KINDS = frozenset({"date", "day of month", "next period", "weekend", "tomorrow", "today", "weekday"})


@dataclass(frozen=True)
class Named:
	on: date
	matched: str


def snooze_until(flat: str, today: date) -> Named | None:
	"""The latest future date the text names, or None (the caller's default snooze applies)."""
	found = [named for named in _every_date(flat, today, kinds=None) if named.on > today]
	return max(found, key=lambda named: named.on) if found else None


def day_hint(flat: str, today: date) -> Named | None:
	"""The first day a booking text names ("Tuesday works", "tomorrow is good"), today included."""
	found = [named for named in _every_date(flat, today, kinds=_DAY_KINDS) if named.on >= today]
	return min(found, key=lambda named: flat.find(named.matched)) if found else None


def _every_date(flat: str, today: date, *, kinds) -> list[Named]:
	"""Every date named, most specific reading first: words read as "after May 3" are not read again as
	"after May"."""
	result, taken = [], []
	for kind, pattern in _EXPRESSIONS:
		if kinds is not None and kind not in kinds:
			continue
		for found in pattern.finditer(flat):
			start, end = found.span()
			if any(start < t_end and t_start < end for t_start, t_end in taken):
				continue
			on = _resolve(kind, found, today)
			if on is not None:
				taken.append((start, end))
				result.append(Named(on, found.group(0)))
	return result


def _resolve(kind: str, found: re.Match, today: date) -> date | None:
	groups = found.groupdict()
	if kind == "date":
		month, day = MONTHS[groups["month"]], int(groups["day"])
		on = _next_month_day(today, month, day)
		return on + timedelta(days=1) if groups.get("after") and on else on
	if kind == "day of month":
		on = _next_day_of_month(today, int(groups["day"]))
		return on + timedelta(days=1) if groups.get("after") else on
	if kind == "relative":
		amount = _NUMBERS[groups["n"]] if groups["n"] in _NUMBERS else int(groups["n"])
		return _add(today, amount, groups["unit"])
	if kind == "holidays":
		return _next(today, 1, EARLY_JANUARY)
	if kind == "christmas":
		if date(today.year, 1, EARLY_JANUARY) <= today < date(today.year, 12, 25):
			return date(today.year, 12, 27)
		return _next(today, 1, EARLY_JANUARY)  # Christmas is here or just over
	if kind == "thanksgiving":
		on = _thanksgiving(today.year) + timedelta(days=4)
		return on if on > today else _thanksgiving(today.year + 1) + timedelta(days=4)
	if kind == "easter":
		on = _easter(today.year) + timedelta(days=1)
		return on if on > today else _easter(today.year + 1) + timedelta(days=1)
	if kind == "summer over":
		return _next(today, 9, 1)
	if kind == "tax season":
		return _next(today, 4, 16)
	if kind == "next period":
		period = groups["period"]
		if "week" in period or "semana" in period:
			return today + timedelta(days=7 - today.weekday())
		if "month" in period or "mes" in period:
			return _first_of_next_month(today)
		return date(today.year + 1, 1, EARLY_JANUARY)
	if kind == "month":
		return _month(today, MONTHS[groups["month"]], groups["lead"])
	if kind == "season":
		start = SEASONS[groups["season"]]
		if _in_season(today, start):
			return None
		return _next(today, start, 1)
	if kind == "weekend":
		return today + timedelta(days=(5 - today.weekday()) % 7 or 7) if today.weekday() != 5 else today
	if kind == "tomorrow":
		return today + timedelta(days=1)
	if kind == "today":
		return today
	if kind == "weekday":
		ahead = (WEEKDAYS[groups["weekday"]] - today.weekday()) % 7 or 7
		return today + timedelta(days=ahead)
	return None


def _month(today: date, month: int, lead: str) -> date:
	if lead in ("after", "despues de"):
		month, lead = month % 12 + 1, ""
	day = 1
	if lead in ("mid", "middle of", "a mediados de", "mediados de"):
		day = 15
	elif lead in ("late", "end of", "the end of", "a finales de", "a fines de", "finales de", "fines de"):
		day = 20
	if month == today.month and today.day >= day:
		# "In March", said in March: soon, but within the month.
		last = calendar.monthrange(today.year, month)[1]
		return max(min(today + timedelta(days=7), date(today.year, month, last)), today + timedelta(days=1))
	return _next(today, month, day)


def _next(today: date, month: int, day: int) -> date:
	"""The next (month, day) strictly after today."""
	on = date(today.year, month, day)
	return on if on > today else date(today.year + 1, month, day)


def _next_month_day(today: date, month: int, day: int) -> date | None:
	"""The next (month, day) from today on; None for a day the month never has (31 April)."""
	for year in range(today.year, today.year + 5):  # 29 February waits for a leap year
		if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
			return date(year, month, day)
	return None


def _next_day_of_month(today: date, day: int) -> date:
	"""The next date after today whose day is `day` (the month's last day when the month is shorter)."""
	year, month = today.year, today.month
	for _ in range(3):
		on = date(year, month, min(day, calendar.monthrange(year, month)[1]))
		if on > today:
			return on
		year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	return on


def _add(today: date, amount: int, unit: str) -> date:
	amount = max(1, min(amount, 24))
	if unit.startswith(("day", "dia")):
		return today + timedelta(days=amount)
	if unit.startswith(("week", "wk", "semana")):
		return today + timedelta(weeks=amount)
	if unit.startswith(("month", "mo", "mes")):
		return _add_months(today, amount)
	return _add_months(today, 12 * amount)


def _add_months(today: date, months: int) -> date:
	month_index = today.month - 1 + months
	year, month = today.year + month_index // 12, month_index % 12 + 1
	return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _first_of_next_month(today: date) -> date:
	return date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)


def _in_season(today: date, start_month: int) -> bool:
	months = {(start_month - 1 + i) % 12 + 1 for i in range(3)}
	return today.month in months


def _thanksgiving(year: int) -> date:
	first = date(year, 11, 1)
	first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
	return first_thursday + timedelta(weeks=3)


def _easter(year: int) -> date:
	"""Western Easter Sunday (the anonymous Gregorian algorithm)."""
	a, b, c = year % 19, year // 100, year % 100
	d, e = b // 4, b % 4
	f = (b + 8) // 25
	g = (b - f + 1) // 3
	h = (19 * a + b - d - g + 15) % 30
	i, k = c // 4, c % 4
	leap = (32 + 2 * e + 2 * i - h - k) % 7
	m = (a + 11 * h + 22 * leap) // 451
	month = (h + leap - 7 * m + 114) // 31
	day = (h + leap - 7 * m + 114) % 31 + 1
	return date(year, month, day)
