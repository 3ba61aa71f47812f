"""The words of a booking reply, read as facts: days, parts of the day, times, numbers, yes, no, "none of those".

One job, for engine.booking_talk.read(): read_words(text, today, now) -> Scan, and wish_fields(scan, ...) -> the
constraints as a Wish's fields (or why they contradict each other). The reply is cut into clauses (at
punctuation and "but"); each clause is read rule by rule (_RULES, in order: a rule reads only words no earlier rule
read); words no rule reads are left over, and those that are not courtesies (_FILLERS) are "unknown", which
booking_talk counts before it acts. A clause that also says "not", "can't", "busy" or "no puedo" has its days and
times dropped (Scan.negated). Small typos in day and part words are corrected first (_fix: rapidfuzz's OSA
distance, one edit in words of 6-7 letters, two in longer ones, never into a tie and never a known word).
engine.snooze's month and weekday tables are reused. Every rule is described in engine.booking_talk's docstring.
Pure: no I/O, never the clock (today and now come from the caller).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from functools import lru_cache

from rapidfuzz.distance import OSA

from winback_app.engine.slots import EVENING, NOON, part_of_day
from winback_app.engine.slots import PARTS as DAY_PARTS
from winback_app.engine.snooze import MONTHS, WEEKDAYS
from winback_app.engine.wording import normalize

MORNING, AFTERNOON, EVENING_PART = DAY_PARTS
AFTER_WORK = time(17, 0)
LUNCH = (time(12, 0), time(14, 0))
DAY_ENDS = time(17, 0)  # after this, "Friday" said on a Friday means next Friday (and "the 7th" next month)


def _pairs(text: str) -> dict[str, int]:
	"""'mon:0 tue:1' -> {"mon": 0, "tue": 1}: tables kept short enough to read."""
	return {word: int(value) for word, value in (pair.split(":") for pair in text.split())}


@dataclass
class _Day:
	first: date
	last: date
	weekdays: frozenset[int] = frozenset()


@dataclass
class _Weekday:
	weekday: int
	mode: str  # "this" (the coming one) or "next" (this one or next week's, when said before its week)


@dataclass
class _Clock:
	hour: int
	minute: int
	meridiem: str | None  # "am" | "pm" | None
	minutes_given: bool


@dataclass
class Scan:
	"""What a reply's words say, before they are weighed against the pending question (booking_talk.read)."""

	empty: bool = False
	question: bool = False
	days: list = field(default_factory=list)  # _Day
	weekdays: list = field(default_factory=list)  # _Weekday
	plural_weekdays: set = field(default_factory=set)
	parts: set = field(default_factory=set)
	ats: list = field(default_factory=list)  # _Clock
	afters: list = field(default_factory=list)  # _Clock or time
	befores: list = field(default_factory=list)
	negated: bool = False  # some constraint was in a negated clause
	numbers: list = field(default_factory=list)
	ordinals: list = field(default_factory=list)  # "the 2nd": an option, else a day of the month
	ordinal_days: dict = field(default_factory=dict)  # ordinal -> _Day, when read as a date
	last: bool = False
	any: str = ""
	anytime: str = ""  # "any day", "whenever": no constraint, but a yes to booking
	earliest: bool = False
	earlier: bool = False
	letter_a: bool = False
	yes: str = ""
	no: str = ""
	other: str = ""
	change: str = ""
	hedge: str = ""  # "maybe", "let me check", "but": no pick
	topic: str = ""  # "hours", "how much", "address": a question about the practice
	thanks_only: str = ""  # "ok, thank you": a thank-you, not a yes
	ack: str = ""  # the whole reply is a thank-you
	thanks: str = ""  # the reply thanks us
	putoff: str = ""
	person: str = ""
	unclear: str = ""
	doctor: bool = False
	leftover: list = field(default_factory=list)  # words no rule read (fillers included)
	unknown: list = field(default_factory=list)  # leftover words that are not fillers either
	pieces: list = field(default_factory=list)  # the words the rules read, for `matched`
	whole: str = ""  # the reply's words, normalized, in one line

	@property
	def has_constraints(self) -> bool:
		return bool(
			self.days
			or self.weekdays
			or self.plural_weekdays
			or self.parts
			or self.ats
			or self.afters
			or self.befores
			or self.earliest
			or self.ordinals
		)

	@property
	def about_booking(self) -> bool:
		return bool(
			self.has_constraints
			or self.numbers
			or self.letter_a
			or self.yes
			or self.other
			or self.any
			or self.anytime
			or self.negated
			or self.last
		)

	@property
	def names_something(self) -> bool:
		"""A day, a time, a number, a letter or "none of those": more than a plain yes."""
		return bool(
			self.has_constraints or self.numbers or self.letter_a or self.other or self.last or self.any
		)

	@property
	def names_a_choice(self) -> bool:
		"""A number, a letter, "the last one", "none of those": an answer to the offer itself."""
		return bool(self.numbers or self.ordinals or self.letter_a or self.other or self.last)

	@property
	def matched(self) -> str:
		return " ".join(words for _where, words in sorted(self.pieces))

	@property
	def minutes_given(self) -> bool:
		return any(c.minutes_given for c in self.ats)


TITLES = frozenset({"dr", "dra", "doctor", "doctora", "mr", "mrs", "ms", "dds", "dmd", "md", "rdh"})

_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
# engine.snooze's weekday names, their short forms and common misspellings; plurals ("Thursdays": any Thursday).
_WEEKDAY_WORDS = {
	**WEEKDAYS,
	**_pairs("mon:0 tue:1 wed:2 wednes:2 thu:3 thur:3 thurs:3 fri:4 sat:5 sun:6 mie:2 jue:3 vie:4 sab:5"),
}
_PLURAL_WEEKDAYS = _pairs("mondays:0 tuesdays:1 wednesdays:2 thursdays:3 fridays:4 saturdays:5 sundays:6")
_WD = "(?P<wd>" + "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True)) + ")"
_DAYNUM = r"(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"

# Words corrected for small typos, and common misspellings corrected outright.
_TYPO_TARGETS = tuple(
	"""
	monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
	saturdays sundays tomorrow tonight morning mornings afternoon afternoons evening evenings lunchtime weekend
	weekday weekdays earliest soonest miercoles viernes sabado domingo martes jueves semana mediodia
	""".split()
)
_SPELLINGS = {
	word: right
	for right, wrongs in (
		("tomorrow", "tmrw tmr tmrow 2morrow 2moro tomoro tommorow tommorrow tomorow"),
		("tonight", "tonite 2nite"),
		("wednesday", "wensday wednsday weds"),
		("thursday", "thrusday thurday"),
		("tuesday", "tues tusday"),
		("afternoon", "arvo aft"),
		("morning", "mornin mrng"),
		("evening", "evng eve"),
		("night", "nite"),
		("weekend", "wknd"),
		("next", "nxt"),
		("week", "wk"),
		# short words a thumb slips on, too short for the distance rule below ("teh first one" is option 1)
		("the", "teh hte"),
		("first", "frist fisrt firts"),
		("second", "secnd scond seccond"),
		("third", "thrid thirs"),
		("please", "plese pleas"),
	)
	for word in wrongs.split()
}
# Words a reply may carry around what it means without changing it ("ok thursday afternoon works for me").
_FILLERS = frozenset(
	"""
	a an the this that these those it its it s is are was be been am i im ive id ill me my we us our you your u ur
	on at in for of to from and or with by about around please pls plz thanks thank thx ty tyvm so much very
	yes yeah yea yep yup ya sure ok okay okey k kk alright great good fine cool nice awesome perfect excellent
	sounds sound works work working worked would could can will do does did should might may want wanted
	need like love prefer preferably prefered preferred rather best better ideal ideally hopefully maybe probably
	possibly if possible just only really definitely absolutely certainly yess yesss
	have has got get there here then what whats which how hi hello hey any anything something some
	time times slot slots spot spots opening openings appointment appt appointments visit cleaning checkup
	available availability free open booked book booking schedule reserve take taking pick choose go going
	one ones option options choice day days date see come coming in make be there thats fine great lol haha
	please thank you guys again also too still well oh um uh hmm
	si claro vale dale bueno buena buenas perfecto excelente gracias favor por para con el la los las un una
	unos unas de del en a al me mi yo puedo podria podemos prefiero preferiria quiero queria quisiera seria
	mejor funciona funcionaria sirve serviria queda va bien esta estaria le nos hay tienen tiene algo alguna
	algun hora horas cita citas turno opcion ese esa eso este esto dia dias que tal y o es son hola pues ok
	esta bien puede pueden disponible libre reservar agendar
	""".split()
)
_NEGATIONS = frozenset(
	"""
	not no dont doesnt didnt cant cannot cant wont isnt arent aint never busy unavailable nope nah
	nunca tampoco ocupado ocupada ocupados
	""".split()
)
_PERSON = re.compile(
	r"\b(?:son|sons|daughter|daughters|kid|kids|child|children|husband|wife|partner|mom|mother|dad|father"
	r"|family|brother|sister|grandma|grandpa|grandson|granddaughter|both of us|the two of us|twins?|hijo|hija"
	r"|hijos|hijas|nino|nina|ninos|ninas|esposo|esposa|marido|mama|papa|familia|ambos|los dos|insurance"
	r"|aseguranza|medicaid|medicare|wheelchair|interpreter|interprete|traductor)\b"
)
_DOCTOR = re.compile(r"\b(?:dr|dra|doctor|doctora|doc|hygienist|higienista)\b")
_PUTOFF = re.compile(
	r"\bnot (?:right )?now\b|\bnot (?:yet|at the moment|at this time|this month|interested)\b"
	r"|\b(?:maybe|ask me|try me|check back|try again|text me|call me) later\b|^later$"
	r"|\b(?:text|call|contact|message|remind|email|reach out to|check (?:in )?with) (?:me|us)\b"
	r"|\bnext (?:month|year)\b|\bin (?:a |an )?(?:few|couple|couple of|2|3|two|three|several|some|one|1)"
	r" (?:weeks|months|month|week)\b|\bafter the (?:holidays|holiday)\b|\bno thanks?\b|\bno thank you\b"
	r"|\bahora no\b|\bpor ahora no\b|\bno por ahora\b|\bmas adelante\b|\bmas tarde\b|\bel (?:proximo|otro) mes\b"
	r"|\bel mes que viene\b|\bno gracias\b|\bno me interesa\b|\bdespues de las fiestas\b"
	# A date the patient waits for: "after the 15th", "not until January", "traveling until the 10th".
	r"|\b(?:after|until|till|til|not before|hasta|despues de|pasado) (?:(?:the|el) [0-9]{1,2}(?:st|nd|rd|th)?"
	r"|[0-9]{1,2}(?:st|nd|rd|th)|" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b(?! ?(?:am|pm|:))"
	r"|\bdespues del [0-9]{1,2}\b"
	r"|\b(?:traveling|travelling|away|out of town|on vacation|de viaje|fuera)\b"
)
# Questions about the practice rather than a time: hours, prices, the address. engine.replies answers them (an
# FAQ) or a person does.
_TOPIC = re.compile(
	r"\b(?:open|opens|close|closes|closing|closed|hours|horario|horarios|abren|abre|cierran|cierra|cerrado"
	r"|cost|costs|price|prices|pricing|how much|cuanto cuesta|cuanto es|cuesta|precio|precios|cobran|address"
	r"|located|location|where are you|direccion|donde estan|parking|park|estacionamiento|estacionar|pay|payment"
	r"|bill|pagar|pago|aceptan|accept|take new patients|new patients|pacientes nuevos)\b"
)
# "Ok, thank you": a thank-you for the message, never a yes.
_THANKS_ONLY = re.compile(
	r"^(?:(?:ok|okay|k|kk|alright|cool|great|got it|noted|perfect|awesome|wonderful|gracias|muchas|perfecto|vale"
	r"|listo|bueno) )*(?:thanks|thank you|thank u|thx|ty|tyvm|thanks so much|thank you so much|thanks a lot"
	r"|gracias|muchas gracias|got it|noted|ok|okay|k|kk|alright|cool)(?: (?:so much|very much|a lot|again))?$"
)
_CHANGE = re.compile(
	r"\b(?:cant|cannot|can not|couldnt|wont|will not|not going to|not gonna|unable to|not able to) (?:make it"
	r"|come|go|be there|attend|do it|make (?:that|the|my|this|tomorrow|today))\b"
	r"|\bre ?schedule\b|\brescheduled?\b|\bcancel(?:l?ed|ling|l?ation)?\b|\bpostpone\b|\bpush (?:it|that) back\b"
	r"|\b(?:move|change) (?:my|the|our|that|this|it)(?: appointment| appt| time| booking| visit)?\b"
	r"|\brunning late\b|\b(?:be|been|am|im|going to be|gonna be|ll be) (?:a (?:bit|little) |a few minutes |\d+ (?:min|mins|minutes) )?late\b"
	r"|\bsomething came up\b|\bstuck in traffic\b"
	r"|\bno (?:puedo|podre|voy a poder|vamos a poder) (?:ir|llegar|asistir)\b|\bno (?:podre|voy a poder)\b"
	r"|\bcancelar\b|\bcancel[ea]\b|\bcancelo\b|\breprogramar\b|\bre ?agendar\b|\bposponer\b"
	r"|\bcambiar (?:la|mi) (?:cita|hora)\b|\bmover (?:la|mi) cita\b|\b(?:llego|llegare|voy|vamos|llegaremos) tarde\b"
	r"|\bse me (?:presento|complico) algo\b"
)
_ACK = re.compile(
	r"^(?:(?:ok|okay|k|kk|great|perfect|awesome|cool|thanks|thank you|thank u|thx|ty|tyvm|sounds good|got it"
	r"|see you(?: then| there| soon)?|see ya|will do|wonderful|excellent|amazing|yes|yep|yay|confirmed|done"
	r"|gracias|muchas gracias|perfecto|excelente|listo|nos vemos|ahi nos vemos|si|vale|genial|bien|ok gracias"
	r"|so much|very much|a lot|you|again|too|for|everything|the|help|appointment|reminder|\s)+)$"
)
_THANKS = re.compile(
	r"\b(?:thanks|thank you|thank u|thx|ty|tyvm|see you|see ya|gracias|nos vemos|perfect|perfecto|great|awesome)\b"
)
_OTHER = re.compile(
	r"\bnone(?: of (?:those|these|them|the above|the times|them work))?(?: work| works| will work| are good)?\b"
	r"|\bneither(?: of (?:those|these|them))?\b"
	r"|\b(?:other|different|another|diff|more) (?:times?|days?|dates?|options?|ones?|slots?)\b"
	r"|\bsomething else\b|\banything else\b|\bnot (?:that|this|those|these) (?:days?|times?|ones?|dates?)\b"
	r"|\bnot (?:that|this) one\b"
	r"|\b(?:cant|cannot|can not|couldnt|wont) (?:make|do) (?:any of )?(?:those|these|them|that|it|any|either)\b"
	r"|\b(?:those|these|they|that|it|none|neither) (?:dont|do not|doesnt|does not|wont|will not) work\b"
	r"|\b(?:those|these|they) (?:are|re)? ?(?:no good|bad)\b|\bno good\b"
	r"|\bninguna?o?s?(?: de (?:esas|esos|estas|estos|ellas|ellos))?\b|\botros? dias?\b|\botras? (?:horas?|opciones"
	r"|fechas?)\b|\botros? horarios?\b|\bno me (?:sirven?|funcionan?|quedan?|conviene)\b"
	r"|\bno puedo (?:ninguna|ninguno|esas|esos|ese|esa|a esa hora|esos dias)\b"
)
_EARLIEST = re.compile(
	r"\bnext (?:available|open|opening|free)(?: (?:time|slot|spot|appointment|appt|one|opening|day))?\b"
	r"|\bfirst (?:available|open|opening|free)(?: (?:time|slot|spot|appointment|appt|one))?\b"
	r"|\b(?:the )?(?:earliest|soonest)(?: (?:possible|available|time|slot|spot|appointment|appt|one|you have))?\b"
	r"|\bas (?:early|soon) as (?:possible|you can|you have)\b"
	r"|\bas soon as (?:possible|you can|i can)\b|\basap\b|\bfirst thing available\b"
	r"|\blo (?:antes|mas pronto) posible\b|\bcuanto antes\b|\blo mas pronto\b"
	r"|\b(?:la |el )?(?:primera?o?|proxima?o?|siguiente) (?:hora |cita |fecha |horario |espacio )?(?:disponible|libre)\b"
	r"|\blo primero (?:disponible|que tenga|que haya)\b"
)
# Words that hold a choice back ("ok, I'll think about it", "yes but later"): never a pick.
_HEDGE = re.compile(
	r"\b(?:maybe|perhaps|not sure|unsure|let me (?:check|think|see|ask|know|confirm)|ill (?:check|think|see|ask"
	r"|let you know|get back|confirm)|i will (?:check|think|let you know|get back|confirm)|(?:need|have) to check"
	r"|think about it|get back to you|let you know|might|possibly|probably|but|however|instead|rather|though"
	r"|although|unless|quizas|quiza|tal vez|a lo mejor|dejame (?:ver|pensar|revisar|confirmar)|lo pienso"
	r"|(?:le|te|les) (?:aviso|confirmo)|pero|en vez|mejor|no se|not yet)\b"
)
# Greetings that name a part of the day without asking for it.
_GREETING = re.compile(
	r"^(?:(?:hi|hello|hey|ok|oh|hola) )?(?:good (?:morning|afternoon|evening|day)|buen(?:os|as) (?:dias|tardes|noches))\b"
)
_EARLIER = re.compile(r"\b(?:anything |something |any )?earlier\b|\bmas temprano\b|\bantes\b(?! de| del)")
_ANY = re.compile(
	r"\bany (?:of (?:those|these|them|the above)|one|1|works|is fine|is good)\b|\beither(?: one| is fine| works)?\b"
	r"|\bwhichever\b|\bwhatever (?:works|is (?:first|earliest|open))\b|\bcualquiera(?: de (?:esas|esos|ellas))?\b"
	r"|\bla que sea\b|\bme da igual\b|\bda igual\b"
)
_ANYTIME = re.compile(
	r"\bany ?(?:day|time|date)(?: (?:is fine|works|is good|at all))?\b|\bwhenever\b|\bno preference\b|\bflexible\b"
	r"|\bdoesnt matter\b|\bcualquier (?:dia|hora|momento|fecha)\b|\blo que sea\b|\bsin preferencia\b"
	r"|\bcuando sea\b"
)
# Courtesies with a "no" in them, read before negation is looked for.
_NO_MATTER = re.compile(r"\bno (?:problem|rush|worries|hurry|prob)\b|\bno hay problema\b|\bno hay prisa\b")
_UNCLEAR = re.compile(
	r"\bexcept\b|\bbesides\b|\bother than\b|\bapart from\b|\bany ?(?:day|time|thing|one)? but\b|\bexcepto\b"
	r"|\bmenos (?:el|la|los|las)\b|\bsalvo\b|\bno (?:on|los|las) "
)
_YES = re.compile(
	r"^(?:ye+s+|yeah+|yea|yep+|yup+|ya|sure+|ok+|okay+|okey|k|kk|alright|all right|si+|claro|dale|vale|de acuerdo"
	r"|esta bien|perfect|perfecto|great|good|sounds good|sounds great|that works|works|works for me|that one"
	r"|book it|book me|book that|please book|confirm|confirmed|confirmo|please do|lets do it|do it|correct"
	r"|absolutely|definitely|of course|reservala|reservalo|reservar|agendala|agendalo|listo|por supuesto"
	r"|that s fine|thats fine|that is fine|fine|that would be great|yes please|si por favor)\b"
)
_NO = re.compile(r"^(?:no+|nope|nah|negative|no thanks|no gracias)$")
_LETTER_A = re.compile(
	r"^(?:(?:ok|okay|yes|si|sure|yeah) )?(?:(?:i ll take|ill take|i choose|i pick|i want|i d like|id like|take|quiero"
	r"|elijo|prefiero|option|opcion|letter|letra|choice) )?a(?: (?:please|pls|por favor|thanks|gracias|thx))?$"
)
_NUMBER_WORDS = _pairs("one:1 two:2 three:3 uno:1 dos:2 tres:3")
_ORDINALS = _pairs(
	"first:1 1st:1 second:2 2nd:2 third:3 3rd:3 fourth:4 4th:4 fifth:5 5th:5 middle:2 primera:1 primero:1"
	" segunda:2 segundo:2 tercera:3 tercero:3 cuarta:4 cuarto:4 quinta:5 quinto:5"
)

# (name, pattern) in order: a rule reads only words no earlier rule read.
_TIME = r"(?P<h{n}>[01]?[0-9]|2[0-3])(?::(?P<m{n}>[0-5][0-9]))? ?(?P<ap{n}>am|pm)?"
_CLOCK_WORDS = (
	r"(?P<word{n}>noon|midday|mediodia|el mediodia|lunch|lunchtime|work|school|el trabajo|la escuela)"
)


def _time_or_word(n: int) -> str:
	return rf"(?:{_CLOCK_WORDS.format(n=n)}|{_TIME.format(n=n)})"


_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
	(name, re.compile(pattern))
	for name, pattern in (
		(
			"between",
			rf"\b(?:between|from|entre|de)(?: las?)? {_time_or_word(1)} ?(?:and|to|-|y|a)(?: las?)? {_time_or_word(2)}\b",
		),
		("between", rf"\b{_TIME.format(n=1)} ?(?:-|to) ?{_TIME.format(n=2)}\b(?<=m)"),
		(
			"after",
			rf"\b(?:after|from|later than|no earlier than|not before|past|despues de(?:l| las?)?|desde(?: las?)?|a partir de(?: las?)?|pasad[oa]s? de(?: las?)?) {_time_or_word(1)}\b",
		),
		(
			"after",
			rf"\b{_TIME.format(n=1)} (?:or later|or after|onwards|on|en adelante|o (?:mas tarde|despues))\b",
		),
		(
			"before",
			rf"\b(?:before|by|earlier than|no later than|not after|until|till|til|antes de(?:l| las?)?|hasta(?: las?)?) {_time_or_word(1)}\b",
		),
		(
			"at",
			rf"\b(?:at|@|around|about|arround|for|like|a las?|como a las?|tipo|sobre las?|cerca de las?) {_TIME.format(n=1)}(?: ?ish)?(?: ?oclock)?\b",
		),
		("at", rf"\b{_TIME.format(n=1)}(?: ?ish| ?oclock)\b"),
		("at", r"\b(?P<h1>[01]?[0-9]|2[0-3])(?::(?P<m1>[0-5][0-9]))? ?(?P<ap1>am|pm)\b"),
		("at", r"\b(?P<h1>[01]?[0-9]|2[0-3]):(?P<m1>[0-5][0-9])\b"),
		("at", r"\b(?:at )?(?P<word1>noon|12 noon|midday)\b"),
		(
			"lunch",
			r"\b(?:at |over |during |around |on my |my |a la )?(?:lunch ?time|lunch(?: break| hour)?|hora (?:de|del) (?:almuerzo|comida)|al mediodia|mediodia)\b",
		),
		(
			"early part",
			r"\b(?P<mod>early|late|mid|temprano en la|tarde en la|a media) (?P<part>morning|mornings|afternoon|afternoons|evening|evenings|manana|tarde|noche)\b",
		),
		# Spanish "mañana": tomorrow, unless it is the morning.
		("after tomorrow", r"\b(?:pasado manana|(?:the )?day after tomorrow)\b"),
		("today part", r"\b(?:this|esta) (?P<part>morning|afternoon|evening|manana|tarde|noche)\b"),
		("tonight", r"\btonight\b"),
		(
			"tomorrow part",
			r"\b(?:manana|tomorrow) (?:(?:en|por|de|a) la |in the )(?P<part>manana|tarde|noche|morning|afternoon|evening)\b",
		),
		(
			"part",
			r"\b(?:(?:en|por|de|a) la|las|en las|por las|cada|todas las) (?P<part>mananas?|tardes?|noches?)\b",
		),
		("tomorrow", r"\b(?:tomorrow|manana)\b"),
		("today", r"\b(?:today|hoy)\b"),
		(
			"week",
			r"\b(?P<mod>early|beginning of|start of|late|later|end of|the end of|mid|middle of)? ?(?:the )?(?P<which>next|this|coming|following) week\b(?! ?end)",
		),
		(
			"week",
			r"\b(?P<mod>early|beginning of|start of|late|later|end of|the end of|mid|middle of) (?:the |this )?(?P<which>week)\b(?! ?end)",
		),
		("week", r"\b(?P<mod>early|late|later|end of|the end of)? ?(?:the )?(?P<which>week after next)\b"),
		(
			"week",
			r"\b(?:a )?(?P<mod>principios de|finales de|fines de|mediados de)? ?(?:la |esta )?(?P<which>proxima semana|semana que viene|semana entrante|otra semana|siguiente semana|esta semana|semana siguiente)\b",
		),
		(
			"weekend",
			r"\b(?P<which>this|next|the|coming|el|este|el proximo|el otro)? ?(?:weekend|fin de semana)\b",
		),
		(
			"weekdays",
			r"\b(?:weekdays?|during the week|any weekday|entre semana|dias de semana|dias entre semana)\b",
		),
		("weekends", r"\b(?:weekends|los fines de semana|fines de semana)\b"),
		(
			"numeric date",
			rf"\b(?:{_WD} )?(?:the |el )?(?P<a>[01]?[0-9]|2[0-9]|3[01])/(?P<b>[0-3]?[0-9])(?:/(?P<y>20[0-9]{{2}}|[0-9]{{2}}))?\b",
		),
		("month date", rf"\b(?:{_WD} )?(?:the |el )?{_MONTH} (?:the )?{_DAYNUM}\b"),
		("month date", rf"\b(?:{_WD} )?(?:the |el )?{_DAYNUM} (?:of |de )?{_MONTH}\b"),
		(
			"ordinal day",
			rf"\b(?:{_WD} )?(?:on |for )?the (?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)\b(?! one| option)",
		),
		(
			"ordinal day",
			rf"\b(?:{_WD} )?(?:on |for )?the (?P<day>[12][0-9]|3[01]|0?[1-9])\b(?! one| option)(?! ?(?:am|pm|:))",
		),
		("ordinal day", rf"\b(?:{_WD} )?(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)\b(?! one| option)"),
		("ordinal day", rf"\b(?:el )?(?:{_WD} )?el (?P<day>[12][0-9]|3[01]|0?[1-9])\b(?! ?(?:am|pm|:))"),
		("ordinal day", rf"\b(?:el )?{_WD} (?P<day>[12][0-9]|3[01]|0?[1-9])\b(?! ?(?:am|pm|:|de))"),
		(
			"next weekday",
			rf"\b(?:next|el proximo|proximo|el siguiente) {_WD}\b",
		),
		("next weekday", rf"\b(?:el )?{_WD} (?:que viene|next week|de la (?:proxima|otra) semana)\b"),
		("this weekday", rf"\b(?:this|este|on|el|for|this coming|coming) {_WD}\b"),
		(
			"plural weekday",
			r"\b(?:any|every|all|on|los|todos los|cualquier) (?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miercoles|jueves|viernes|sabado|domingo)s?\b",
		),
		("plural weekday", r"\b(?P<wd>mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b"),
		("weekday", rf"\b{_WD}\b"),
		(
			"work part",
			r"\b(?P<which>before|after|antes del|despues del) (?:work|school|el trabajo|la escuela|trabajar)\b",
		),
		(
			"part",
			r"\b(?:in the |en la |por la )?(?P<part>mornings?|afternoons?|evenings?|nights?|mananas|tardes?|noches?|am|pm|early)\b",
		),
		("first thing", r"\b(?:first thing|a primera hora|primera hora|temprano)\b"),
		("hash", r"#\s?(?P<n>[0-9]{1,2})\b"),
		("option", r"\b(?:option|opt|number|num|nr|choice|slot|opcion|numero|la|el|the) (?P<n>[0-9]{1,2})\b"),
		(
			"ordinal",
			r"\b(?:the |la |el )?(?P<word>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|middle|primera|primero|segunda|segundo|tercera|tercero|cuarta|cuarto|quinta|quinto)(?: (?:one|option|time|slot|choice|opcion))?\b",
		),
		("last", r"\b(?:the |la |el )?(?:last|ultima|ultimo|final)(?: (?:one|option|time|slot|opcion))?\b"),
		(
			"number word",
			r"^(?:(?:yes|ok|okay|si|sure) )?(?:(?:option|number|opcion|numero|la|el) )?(?P<word>one|two|three|uno|dos|tres)\b"
			r"(?! (?:of|more|thing|pm|am|oclock|weeks?|days?|months?|semanas?|dias?|meses))",
		),
		("number", r"\b(?P<n>[0-9]{1,2})\b"),
	)
)


# Phrases read before the day and time rules, then those rules.
_ALL_RULES = (
	("read", _GREETING),
	("read", _CHANGE),
	("read", _PUTOFF),
	("read", _NO_MATTER),
	("anytime", _ANYTIME),
	("other", _OTHER),
	("earliest", _EARLIEST),
	("earlier", _EARLIER),
	("any", _ANY),
	("yes", _YES),
	*_RULES,
)


def _form(body: object) -> tuple[str, bool]:
	"""The reply lower case and accent-free, "a.m." as "am", times and dates kept ("9:30", "12/14"), "#"
	kept; and whether it asks something."""
	text, _flat = normalize(body)
	question = "?" in text or "\u00bf" in text
	text = re.sub(r"\b([ap])\s?\.\s?m\b\.?", r"\1m", text)
	text = re.sub(r"(?<=\d)\s?([ap])\s(m)\b", r"\1\2", text)
	text = re.sub(r"(?<=\d)\.(?=\d{2}\b)", ":", text)  # 9.30
	text = re.sub(r"(?<=\d)h(?=\d{2}\b)", ":", text)  # 9h30
	text = re.sub(r"\bo\s?clock\b", "oclock", text)
	# An hour in words after "at" / "a las": "a las dos y media" -> "a las 2:30", "at ten" -> "at 10".
	text = _HOUR_WORDS.sub(lambda found: found.group("lead") + " " + str(_HOURS[found.group("hour")]), text)
	text = re.sub(r"\b(\d{1,2}) y media\b", r"\1:30", text)
	text = re.sub(r"\b(\d{1,2}) y cuarto\b", r"\1:15", text)
	return text, question


_HOURS = {
	**_pairs("one:1 two:2 three:3 four:4 five:5 six:6 seven:7 eight:8 nine:9 ten:10 eleven:11 twelve:12"),
	**_pairs("una:1 dos:2 tres:3 cuatro:4 cinco:5 seis:6 siete:7 ocho:8 nueve:9 diez:10 once:11 doce:12"),
}
_HOUR_WORDS = re.compile(
	r"\b(?P<lead>at|around|about|after|before|by|a las?|como a las?|despues de las?|antes de las?|desde las?"
	r"|hasta las?) (?P<hour>" + "|".join(_HOURS) + r")\b"
)


_CLAUSE = re.compile(r"[,;!?\n()]+|\.(?!\d)|\s[-\u2013\u2014]\s|\s(?:but|pero|though|although|however)\s")
_TOKEN = re.compile(r"#|[0-9]{1,2}:[0-9]{2}|[0-9]{1,4}/[0-9]{1,2}(?:/[0-9]{2,4})?|[^\W_]+")


@lru_cache(maxsize=4096)
def _fix(word: str) -> str:
	"""A word with a small typo corrected to the day or part word it was meant to be."""
	if word in _SPELLINGS:
		return _SPELLINGS[word]
	if len(word) < 6 or word in _FILLERS or word in _TYPO_TARGETS or not word.isalpha():
		return word
	limit = 1 if len(word) < 8 else 2
	best, best_distance, tie = word, limit + 1, False
	for target in _TYPO_TARGETS:
		if abs(len(target) - len(word)) > limit:
			continue
		distance = OSA.distance(word, target, score_cutoff=limit)
		if distance < best_distance:
			best, best_distance, tie = target, distance, False
		elif distance == best_distance:
			tie = True
	return word if tie or best_distance > limit else best


def read_words(body: object, today: date, now: time | None) -> Scan:
	text, question = _form(body)
	scan = Scan(question=question)
	clauses = []
	for part in _CLAUSE.split(text):
		tokens = [_fix(t) for t in _TOKEN.findall(part)]
		if tokens:
			clauses.append(" ".join(tokens))
	if not clauses:
		return Scan(empty=True)
	whole = " ".join(_fix(t) for t in _TOKEN.findall(text))  # "but" kept: "any day but Monday"
	scan.whole = whole

	found = _PERSON.search(whole)
	if found:
		scan.person = found.group(0)
	scan.doctor = bool(_DOCTOR.search(whole))
	found = _CHANGE.search(whole)
	if found:
		scan.change = found.group(0)
	found = _ACK.match(whole)
	if found:
		scan.ack = whole
	found = _THANKS.search(whole)
	if found:
		scan.thanks = found.group(0)
	found = _PUTOFF.search(whole)
	if found:
		scan.putoff = found.group(0)
	found = _HEDGE.search(whole)
	if found:
		scan.hedge = found.group(0)
	found = _TOPIC.search(whole)
	if found:
		scan.topic = found.group(0)
	if _THANKS_ONLY.match(whole) and whole not in ("ok", "okay", "k", "kk", "alright", "cool"):
		scan.thanks_only = whole
	found = _UNCLEAR.search(whole + " ")
	if found:
		scan.unclear = found.group(0).strip()
	if _LETTER_A.match(whole):
		scan.letter_a = True
		scan.pieces.append(((0, 0), "A"))
		return scan
	if _NO.match(whole):
		scan.no = whole
		return scan

	for index, clause in enumerate(clauses):
		_scan_clause(clause, index, scan, today, now)
	return scan


def _scan_clause(clause: str, index: int, scan: Scan, today: date, now: time | None) -> None:
	"""Read one clause into scan: every rule in order, each on the words no earlier rule read."""
	taken: list[tuple[int, int]] = []
	local = Scan()
	for name, pattern in _ALL_RULES:
		for found in pattern.finditer(clause):
			start, end = found.span()
			if start == end or any(start < t_end and t_start < end for t_start, t_end in taken):
				continue
			if _rule(name, found, local, today, now) is not False:
				taken.append((start, end))

	leftover = list(_unread(clause, taken))
	negated = any(word in _NEGATIONS for word in leftover)
	if negated and _constrains(local):
		scan.negated = True
		scan.pieces.append(((index, 0), "not " + local.matched))
		local = Scan(other=local.other, earliest=local.earliest, earlier=local.earlier, yes="", any=local.any)
	elif negated and clause.strip() in ("no", "nope", "nah"):
		scan.no = clause.strip()
	scan.leftover.extend(w for w in leftover if w not in _NEGATIONS)
	scan.unknown.extend(
		w
		for w in leftover
		if w not in _FILLERS and w not in _NEGATIONS and w not in TITLES and not w.isdigit()
	)
	for name in ("days", "weekdays", "ats", "afters", "befores", "numbers", "ordinals"):
		getattr(scan, name).extend(getattr(local, name))
	scan.pieces.extend(((index, where), words) for where, words in local.pieces)
	scan.plural_weekdays |= local.plural_weekdays
	scan.parts |= local.parts
	scan.ordinal_days.update(local.ordinal_days)
	scan.last = scan.last or local.last
	scan.earliest = scan.earliest or local.earliest
	scan.earlier = scan.earlier or local.earlier
	for name in ("any", "anytime", "yes", "other", "unclear"):
		if getattr(local, name) and not getattr(scan, name):
			setattr(scan, name, getattr(local, name))


def _constrains(scan: Scan) -> bool:
	return bool(
		scan.days
		or scan.weekdays
		or scan.plural_weekdays
		or scan.parts
		or scan.ats
		or scan.afters
		or scan.befores
		or scan.numbers
		or scan.ordinals
		or scan.last
	)


def _unread(clause: str, taken: list[tuple[int, int]]) -> Iterable[str]:
	position = 0
	for word in clause.split(" "):
		start, end = position, position + len(word)
		position = end + 1
		if not any(start < t_end and t_start < end for t_start, t_end in taken):
			yield word


def _rule(name: str, found: re.Match, scan: Scan, today: date, now: time | None):
	"""Record what one rule read; False leaves the words for a later rule."""
	groups = found.groupdict()
	words = found.group(0).strip()
	open_today = now is None or now < DAY_ENDS
	if name == "read":
		return None  # read for the whole reply already (a greeting, a change, a put-off): not left over
	if name in ("anytime", "other", "any", "yes"):
		setattr(scan, name, words)
		return None
	if name == "earlier":
		scan.earlier, scan.other = True, words
		return None
	if name == "earliest":
		scan.earliest = True
	elif name in ("between", "after", "before", "at"):
		clocks = [_clock(groups, n) for n in (1, 2) if groups.get(f"h{n}") or groups.get(f"word{n}")]
		if any(c is None for c in clocks) or not clocks:
			return False
		if name == "between":
			if len(clocks) != 2:
				return False
			first, second = clocks
			if first.meridiem is None and second.meridiem:
				first = replace(first, meridiem=second.meridiem) if first.hour <= second.hour else first
			scan.afters.append(first)
			scan.befores.append(second)
		elif name == "after":
			scan.afters.append(clocks[0])
			if groups.get("word1") in ("work", "el trabajo"):
				scan.parts.add(EVENING_PART)
		elif name == "before":
			scan.befores.append(clocks[0])
			if groups.get("word1") in ("work", "el trabajo", "school", "la escuela"):
				scan.befores.pop()
				scan.parts.add(MORNING)
		else:
			scan.ats.append(clocks[0])
	elif name == "lunch":
		scan.afters.append(LUNCH[0])
		scan.befores.append(LUNCH[1])
	elif name == "early part":
		part = _PART_WORDS[groups["part"]]
		scan.parts.add(part)
		mod = groups["mod"]
		early = mod in ("early", "temprano en la")
		if part == MORNING:
			(scan.befores if early else scan.afters).append(time(10, 0))
		elif part == AFTERNOON:
			(scan.befores if early else scan.afters).append(time(15, 0) if mod != "mid" else time(13, 0))
		elif not early:
			scan.afters.append(time(18, 0))
	elif name == "after tomorrow":
		scan.days.append(_single(today + timedelta(days=2)))
	elif name == "today part":
		scan.days.append(_single(today))
		scan.parts.add(_PART_WORDS[groups["part"]])
	elif name == "tonight":
		scan.days.append(_single(today))
		scan.parts.add(EVENING_PART)
	elif name == "tomorrow part":
		scan.days.append(_single(today + timedelta(days=1)))
		scan.parts.add(_PART_WORDS[groups["part"]])
	elif name == "tomorrow":
		scan.days.append(_single(today + timedelta(days=1)))
	elif name == "today":
		scan.days.append(_single(today))
	elif name == "week":
		scan.days.append(_week(groups["which"], groups.get("mod"), today, found.group(0)))
	elif name == "weekend":
		scan.days.append(_weekend(groups.get("which") or "", today, open_today))
	elif name == "weekdays":
		scan.plural_weekdays |= {0, 1, 2, 3, 4}
	elif name == "weekends":
		scan.plural_weekdays |= {5, 6}
	elif name in ("numeric date", "month date", "ordinal day"):
		on = _date(name, groups, today, open_today)
		if on is None:
			scan.unclear = scan.unclear or words
			return None
		if groups.get("wd") and _WEEKDAY_WORDS[groups["wd"]] != on.weekday():
			scan.unclear = scan.unclear or words  # "Tuesday the 14th" when the 14th is a Wednesday
			return None
		if name == "ordinal day" and not groups.get("wd") and int(groups["day"]) <= 9:
			# "the 2nd" may be the second option: decided once the options are known.
			scan.ordinals.append(int(groups["day"]))
			scan.ordinal_days[int(groups["day"])] = _single(on)
		else:
			scan.days.append(_single(on))
	elif name == "next weekday":
		scan.weekdays.append(_Weekday(_WEEKDAY_WORDS[groups["wd"]], "next"))
	elif name in ("this weekday", "weekday"):
		scan.weekdays.append(_Weekday(_WEEKDAY_WORDS[groups["wd"]], "this"))
	elif name == "plural weekday":
		word = groups["wd"]
		scan.plural_weekdays.add(
			_PLURAL_WEEKDAYS.get(word, WEEKDAYS.get(word, WEEKDAYS.get(word.rstrip("s"))))
		)
	elif name == "work part":
		scan.parts.add(MORNING if groups["which"].startswith(("before", "antes")) else EVENING_PART)
		if not groups["which"].startswith(("before", "antes")):
			scan.afters.append(AFTER_WORK)
	elif name == "part":
		word = groups["part"]
		if word == "am" and re.search(r"\bi am$", found.string[: found.end()]):
			return False  # "I am free"
		if word == "pm":
			scan.afters.append(NOON)
		else:
			scan.parts.add(_PART_WORDS[word])
	elif name == "first thing":
		scan.parts.add(MORNING)
	elif name in ("hash", "option", "number"):
		scan.numbers.append(int(groups["n"]))
	elif name == "number word":
		scan.numbers.append(_NUMBER_WORDS[groups["word"]])
	elif name == "ordinal":
		scan.ordinals.append(_ORDINALS[groups["word"]])
	elif name == "last":
		scan.last = True
	scan.pieces.append((found.start(), words))
	return None


_PART_WORDS = {
	**dict.fromkeys(("morning", "mornings", "manana", "mananas", "early", "am"), MORNING),
	**dict.fromkeys(("afternoon", "afternoons", "tarde", "tardes"), AFTERNOON),
	**dict.fromkeys(("evening", "evenings", "night", "nights", "noche", "noches"), EVENING_PART),
}


def _clock(groups: dict, n: int) -> _Clock | time | None:
	word = groups.get(f"word{n}")
	if word:
		if word in ("noon", "12 noon", "midday", "mediodia", "el mediodia"):
			return _Clock(12, 0, "pm", True)
		if word in ("lunch", "lunchtime"):
			return _Clock(13, 0, None, True)
		if word in ("work", "el trabajo"):
			return _Clock(17, 0, None, True)
		if word in ("school", "la escuela"):
			return _Clock(15, 0, None, True)
		return None
	hour = int(groups[f"h{n}"])
	minute = int(groups.get(f"m{n}") or 0)
	meridiem = groups.get(f"ap{n}")
	if meridiem and not 1 <= hour <= 12:
		return None
	return _Clock(hour, minute, meridiem, groups.get(f"m{n}") is not None)


def _single(on: date) -> _Day:
	return _Day(on, on)


def _week(which: str, mod: str | None, today: date, words: str) -> _Day:
	monday = today - timedelta(days=today.weekday())
	if which in ("this", "esta semana", "week"):
		start, end = today, monday + timedelta(days=6)
	elif which == "week after next":
		start = monday + timedelta(days=14)
		end = start + timedelta(days=6)
	else:  # next, coming, following, la próxima semana...
		start = monday + timedelta(days=7)
		end = start + timedelta(days=6)
	mod = mod or ""
	if mod in ("early", "beginning of", "start of", "principios de"):
		end = min(end, start + timedelta(days=2) if start.weekday() == 0 else end)
	elif mod in ("late", "later", "end of", "the end of", "finales de", "fines de"):
		start = max(start, start - timedelta(days=start.weekday()) + timedelta(days=3))
	elif mod in ("mid", "middle of", "mediados de"):
		base = start - timedelta(days=start.weekday())
		start, end = max(start, base + timedelta(days=1)), min(end, base + timedelta(days=3))
	return _Day(max(start, today), max(end, today))


def _weekend(which: str, today: date, open_today: bool) -> _Day:
	saturday = today + timedelta(days=(5 - today.weekday()) % 7)
	if today.weekday() == 6:
		saturday = today - timedelta(days=1)
	this = _Day(max(saturday, today), saturday + timedelta(days=1))
	if which in ("next", "el proximo", "el otro"):
		following = saturday + timedelta(days=7)
		if today.weekday() < 5:
			return _Day(saturday, following + timedelta(days=1), frozenset({5, 6}))
		return _Day(following, following + timedelta(days=1))
	return this


def _date(name: str, groups: dict, today: date, open_today: bool) -> date | None:
	earliest = today if open_today else today + timedelta(days=1)
	if name == "numeric date":
		a, b = int(groups["a"]), int(groups["b"])
		month, day = (a, b) if 1 <= a <= 12 else (b, a)
		if not 1 <= month <= 12:
			return None
		if groups.get("y"):
			year = int(groups["y"])
			year += 2000 if year < 100 else 0
			try:
				on = date(year, month, day)
			except ValueError:
				return None
			return on if on >= today else None
		return _next_month_day(earliest, month, day)
	if name == "month date":
		return _next_month_day(earliest, MONTHS[groups["month"]], int(groups["day"]))
	day = int(groups["day"])
	year, month = earliest.year, earliest.month
	for _ in range(13):
		if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= earliest:
			return date(year, month, day)
		year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	return None


def _next_month_day(earliest: date, month: int, day: int) -> date | None:
	for year in range(earliest.year, earliest.year + 5):  # 29 February waits for a leap year
		if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= earliest:
			return date(year, month, day)
	return None


def wish_fields(
	scan: Scan, today: date, now: time | None, *, labels: frozenset[int] = frozenset(), extra_parts=()
) -> tuple[dict, str | None]:
	"""The scan's constraints as the fields of one booking_talk.Wish, or the reason they cannot be one
	(contradictory). labels: the offered options' numbers ("the 2nd" is then option 2, not a date);
	extra_parts: parts of the day the reply chose by digit."""
	open_today = now is None or now < DAY_ENDS
	first = last = None
	weekdays: frozenset[int] = frozenset()

	days = list(scan.days)
	for number in scan.ordinals:
		# An ordinal that is not an offered option is a day of the month ("the 3rd" with two options).
		if number in scan.ordinal_days and number not in labels:
			days.append(scan.ordinal_days[number])
	spans = [d for d in days if d.first != d.last or d.weekdays]
	singles = sorted({d.first for d in days if d.first == d.last and not d.weekdays})
	named = scan.weekdays
	if spans:
		first = min(d.first for d in spans)
		last = max(d.last for d in spans)
		inner = frozenset().union(*(d.weekdays for d in spans))
		if named:
			weekdays = frozenset(w.weekday for w in named)  # "Tuesday next week"
		elif inner:
			weekdays = inner
		if singles:
			if all(first <= s <= last for s in singles):
				first, last = singles[0], singles[-1]
				weekdays = frozenset(s.weekday() for s in singles) if len(singles) > 1 else frozenset()
			else:
				return {}, "days that do not agree"
	else:
		dates = list(singles)
		spread: set[int] = set()
		for named_day in named:
			ahead = (named_day.weekday - today.weekday()) % 7
			if ahead == 0 and not open_today:
				ahead = 7
			coming = today + timedelta(days=ahead)
			if named_day.mode == "next":
				coming = coming if coming > today else coming + timedelta(days=7)
				next_monday = today + timedelta(days=7 - today.weekday())
				if coming < next_monday:
					dates.extend(
						(coming, coming + timedelta(days=7))
					)  # "next Friday": this one or next week's
					spread.add(named_day.weekday)
					continue
			dates.append(coming)
		if dates:
			dates = sorted(set(dates))
			first, last = dates[0], dates[-1]
			if len(dates) > 1:
				weekdays = frozenset(d.weekday() for d in dates)
	if scan.plural_weekdays:
		if singles or named and not spans:
			return {}, "a weekday and a date together"
		weekdays = (
			frozenset(scan.plural_weekdays) if not weekdays else weekdays & frozenset(scan.plural_weekdays)
		)
		if not weekdays:
			return {}, "days that do not agree"

	parts = set(scan.parts) | set(extra_parts)
	part = None
	after = before = None
	if len(parts) == 1:
		part = next(iter(parts))
	elif len(parts) == 2:
		if parts == {MORNING, AFTERNOON}:
			before = EVENING
		elif parts == {AFTERNOON, EVENING_PART}:
			after = NOON
		else:
			return {}, "morning or evening"

	at = None
	ats = {_resolve(c, part) for c in scan.ats}
	if len(ats) > 1:
		return {}, "two times"
	if ats:
		at = ats.pop()
	afters = [_resolve(c, part) for c in scan.afters]
	befores = [_resolve(c, part) for c in scan.befores]
	if afters:
		after = max(filter(None, [after, *afters]))
	if befores:
		before = min(filter(None, [before, *befores]))
	if after and before and after >= before:
		return {}, "after and before do not agree"
	if at:
		if after and at < after or before and at >= before:
			return {}, "a time outside the span"
		if part and part_of_day(at) != part:
			return {}, "a time outside the part of the day"
		after = before = None
	if part and (after or before):
		window = PART_WINDOW[part]
		if (after and after >= window[1]) or (before and before <= window[0]):
			return {}, "a time outside the part of the day"
	if first and first < today:
		first = today
	if last and first and last < first:
		return {}, "days in the past"
	fields = dict(
		part=part, first_day=first, last_day=last, weekdays=weekdays, after=after, before=before, at=at
	)
	return {**fields, "earliest": scan.earliest}, None


PART_WINDOW = {
	MORNING: (time(0, 0), NOON),
	AFTERNOON: (NOON, EVENING),
	EVENING_PART: (EVENING, time(23, 59)),
}


def _resolve(clock: _Clock | time, part: str | None) -> time:
	"""A clock time read from the reply, with am/pm decided: the reply's own am/pm, else its part of the day,
	else the clinic-hours rule (1-6 afternoon, 7-11 morning, 12 noon)."""
	if isinstance(clock, time):
		return clock
	hour, minute = clock.hour, clock.minute
	if clock.meridiem == "am":
		hour = 0 if hour == 12 else hour
	elif clock.meridiem == "pm":
		hour = hour if hour == 12 else hour + 12
	elif 1 <= hour <= 11:
		if part in (AFTERNOON, EVENING_PART):
			hour += 12
		elif part != MORNING and hour <= 6:
			hour += 12
	return time(hour % 24, minute)
