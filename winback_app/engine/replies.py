"""Inbound SMS replies: what a patient's text means, so the inbox can act on it or hand it to a person.

One job: understand(body, ...) -> Understanding: the reply's category (CATEGORIES, a public contract: the
reply record's `category` field and the routing table use these strings), the compatible Intent kind, the
safety flags, the date a "not now" waits for, the FAQ answer it asks for, the patient's language, and the
words that decided (for the audit trail). classify(body) -> Intent is the older, narrower view of the same
reading, kept for callers that only need the intent kind.

The order of reading is the safety contract:
1. STOP beats everything (Twilio's keywords as the whole message, plus the FCC's "any reasonable means"
   phrasings): an opt-out is honoured even in a clinical message; if the text also names a clinical sign,
   `to_person` and `urgent` say so, and a person still reads it.
2. Triage (engine.triage) before any intent: pain, bleeding, swelling, fever, an injury, an emergency, a
   complaint, a billing dispute, a death or another sensitive matter goes to a person every time, whatever
   else the text says: "Yes, my tooth really hurts" is Clinical, never Booking; nothing triaged ever reaches
   the FAQ matcher.
3. Keywords: START, HELP, wrong number, a numbered choice, leaving (with the reason), a day that works
   (Booking, with the day), "not now" (with the date it names), a booking request or a plain "yes".
4. Booking by text (engine.booking_talk): when our last text asked a question (a Pending: a part of the day,
   "A" for the next available time, a day, numbered times, a yes to one time), the reply is read against it:
   digits, letters, days, times and "none of those" are Booking, with Understanding.reading saying what was
   picked or wished for; a booking reply that cannot be read with confidence is Booking for a person. After a
   booking by text, "can't make it", "reschedule" or "cancel" is Other for a person (the appointment is the
   Frappe side's to link), never a new booking or a snooze, and "thanks" / "see you then" is a Booking
   thank-you that needs nobody (reading ACK). Without a pending question, a booking text ("Thursday afternoon
   works", "yes") carries the reading too. A question that clearly matches an enabled answer is still answered
   (FAQ), pending question or not, unless it picks one of the offered times.
5. Anything else is a Question (it asks something: an enabled answer may match it, clearly -> FAQ, or nearly
   -> a person with the suggestion) or Other (a person reads it). Sarcasm ("yeah right 🙄") is never a yes.

Tables of keywords and compiled patterns live at module level so a reply costs a few dozen regex scans and,
with answers configured, one fuzzy comparison per example phrasing (~0.1 ms each). Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from winback_app.engine import booking_talk as bt
from winback_app.engine.faq import FaqEntry, FaqIndex, as_index
from winback_app.engine.language import detect as detect_language
from winback_app.engine.snooze import day_hint, snooze_until
from winback_app.engine.triage import BEREAVEMENT, BILLING, CLINICAL, COMPLAINT, SENSITIVE, Finding, triage
from winback_app.engine.triage import URGENT as URGENT_LEVEL
from winback_app.engine.wording import WORD, normalize

STOP = "Stop"
START = "Start"
HELP = "Help"
BOOK = "Book"
CHOICE = "Choice"
LATER = "Later"
WRONG_NUMBER = "Wrong Number"
LEAVING = "Leaving"
QUESTION = "Question"

KINDS = (STOP, START, HELP, BOOK, CHOICE, LATER, WRONG_NUMBER, LEAVING, QUESTION)

MOVED = "Moved"
COST = "Cost"
FEAR = "Fear or anxiety"
SWITCHED = "Switched provider"
OTHER = "Other"

LEAVE_REASONS = (MOVED, COST, FEAR, SWITCHED, OTHER)


@dataclass(frozen=True)
class Intent:
	kind: str  # one of KINDS
	choice: int | None = None  # 1..offered_choices, for CHOICE
	leave_reason: str | None = None  # one of LEAVE_REASONS, for LEAVING
	matched: str = ""  # the keyword or phrase that decided, for the audit trail


# --- Categories (public contract: exact strings).
BOOKING = "Booking"
QUESTION_CATEGORY = "Question"
CLINICAL_CATEGORY = "Clinical"
URGENT_CATEGORY = "Urgent"
COMPLAINT_CATEGORY = "Complaint"
BILLING_CATEGORY = "Billing"
NOT_NOW = "Not Now"
LEAVING_CATEGORY = "Leaving"
OPT_OUT = "Opt-Out"
OPT_IN = "Opt-In"
HELP_CATEGORY = "Help"
WRONG_NUMBER_CATEGORY = "Wrong Number"
FAQ = "FAQ"
OTHER_CATEGORY = "Other"

CATEGORIES = (
	BOOKING,
	QUESTION_CATEGORY,
	CLINICAL_CATEGORY,
	URGENT_CATEGORY,
	COMPLAINT_CATEGORY,
	BILLING_CATEGORY,
	NOT_NOW,
	LEAVING_CATEGORY,
	OPT_OUT,
	OPT_IN,
	HELP_CATEGORY,
	WRONG_NUMBER_CATEGORY,
	FAQ,
	OTHER_CATEGORY,
)
# Categories a person must always read (the routing table sends Clinical and Urgent to clinical staff, Billing
# to accounts, the rest to the front desk).
PERSON_CATEGORIES = frozenset(
	{
		QUESTION_CATEGORY,
		CLINICAL_CATEGORY,
		URGENT_CATEGORY,
		COMPLAINT_CATEGORY,
		BILLING_CATEGORY,
		OTHER_CATEGORY,
	}
)
# A death or another sensitive matter has no category of its own: it is Other (the front desk), always for a
# person, with Understanding.triage saying which.
_TRIAGE_CATEGORY = {
	URGENT_LEVEL: URGENT_CATEGORY,
	CLINICAL: CLINICAL_CATEGORY,
	BEREAVEMENT: OTHER_CATEGORY,
	SENSITIVE: OTHER_CATEGORY,
	COMPLAINT: COMPLAINT_CATEGORY,
	BILLING: BILLING_CATEGORY,
}


@dataclass(frozen=True)
class Understanding:
	category: str  # one of CATEGORIES
	intent: Intent  # the compatible reading for engine.reply_plan.plan()
	# An urgent clinical sign: alert at once; the answer gives the phone and the emergency line.
	urgent: bool = False
	crisis: bool = False  # self-harm: the answer also names the crisis line
	to_person: bool = False  # a person must read this text (set under Opt-Out too when triage found a sign)
	# engine.triage's level: Urgent, Clinical, Bereavement, Sensitive, Complaint or Billing.
	triage: str | None = None
	sign: str | None = None  # the triage rule that fired, e.g. "swelling", "billing dispute"
	snooze_until: date | None = None  # Not Now: the date named (None: the default snooze)
	day_hint: date | None = None  # Booking: the day named ("Tuesday works")
	leave_reason: str | None = None  # Leaving: one of LEAVE_REASONS
	choice: int | None = None  # Booking by number: 1..offered_choices
	faq_id: str | None = None  # FAQ: the answer; Question/Other: the suggestion for a person (near match)
	faq_score: float = 0.0
	faq_answer: str | None = None
	language: str = "en"  # "es" or "en"
	matched: str = ""  # the words that decided, for the audit trail
	# Booking by text: the reply read against the pending question (engine.booking_talk), when one was pending
	# or the text is a booking text; None otherwise.
	reading: bt.Reading | None = None


# --- Keyword tables. Whole-message tables compare against the message's "core": its words, lower case, accents
# stripped, punctuation and emoji dropped, with greetings in front and courtesies behind taken off.

# Twilio's opt-out keywords, plus Spanish ones carriers and patients use.
STOP_KEYWORDS = (
	"stop",
	"stopall",
	"stop all",
	"unsubscribe",
	"cancel",
	"end",
	"quit",
	"revoke",
	"optout",
	"opt out",
	"alto",
	"parar",
	"para",
	"detener",
	"cancelar",
	"baja",
)
# Whole messages that are plainly "stop" without being a carrier keyword.
_STOP_WHOLE = frozenset(STOP_KEYWORDS) | {"stop it", "quit it", "no more", "remove", "unsubscribe me"}

START_KEYWORDS = ("start", "unstop", "subscribe", "resubscribe", "comenzar", "opt in", "optin", "start again")
# Only an opted-out number's "yes" re-subscribes (Twilio's YES); otherwise it answers the offer.
_START_WHEN_OPTED_OUT = frozenset({"yes", "si"})

HELP_KEYWORDS = (
	"help",
	"help me",
	"need help",
	"i need help",
	"info",
	"information",
	"more info",
	"more information",
	"ayuda",
	"ayudame",
	"what is this",
	"whats this",
	"what is this about",
	"whats this about",
	"what is this for",
	"who is this",
	"whos this",
	"who dis",
	"who are you",
	"who are u",
	"who r u",
	"who is texting me",
	"who is this please",
	"quien es",
	"quien eres",
	"quien habla",
	"que es esto",
)

# Courtesies that do not change a whole-message keyword ("help please", "hi, STOP", "stop thank you").
_LEADING_FILLERS = frozenset(
	{"hi", "hello", "hey", "hola", "sorry", "um", "umm", "uh", "ok", "okay", "please", "pls", "plz"}
)
_TRAILING_FILLERS = frozenset(
	{"please", "pls", "plz", "now", "thanks", "thx", "ty", "gracias", "lol", "asap"}
)
_TRAILING_PAIRS = frozenset({("thank", "you"), ("por", "favor"), ("right", "now")})

# --- Patterns, matched against the flattened message (words joined by single spaces, apostrophes dropped,
# so "don't" reads "dont" and "I'm" reads "im").

# The FCC's "any reasonable means": sentences that ask for the texts to end.
_STOP_PHRASES = re.compile(
	r"(?<!dont )(?<!do not )(?<!never )\b(?:stop|quit|cease) (?:texting|txting|texing|messaging|msging"
	r"|contacting|sending|calling|emailing|bothering|spamming|harassing)\b"
	r"|\bstop (?:receiving|getting) (?:these |this |the |your |any |all )?(?:texts?|txts?|messages?|msgs?|sms"
	r"|reminders)\b"
	r"|\bstop (?:these|this|the|your|all|all the|all these|all of these|all of the) (?:texts?|txts?|messages?"
	r"|msgs?|sms|reminders?|notifications?|spam)\b"
	r"|\bif (?:you|u|yall|you guys) (?:dont|do not|dont ever|wont|will not) stop (?:texting|txting|messaging"
	r"|contacting|sending|calling|bothering|spamming|harassing)\b"
	r"|\bplease stop\b(?! by| in| over)"
	r"|\b(?:dont|do not|please dont|pls dont) (?:ever )?(?:text|txt|message|msg|sms|contact|email)\b"
	r"(?!(?: me| us| this number| my number)? (?:after|before|at|during|on|until|till|til|between|while|in the"
	r"|so early|so late)\b)"
	r"|\bnever (?:text|txt|message|msg|contact|email) (?:me|us|this number) again\b"
	r"|\b(?:dont|do not) want (?:any |these |your |to (?:get|receive) (?:any |these |your )?)?(?:more )?"
	r"(?:texts?|txts?|messages?|msgs?|sms|reminders)\b"
	r"|\bno more (?:texts?|txts?|messages?|msgs?|sms|texting|messaging|reminders|contact|emails?|spam)\b"
	r"|\bremove (?:me|us|my number|this number|my name|my info)\b"
	r"|\btake (?:me|us|my number|this number|my name) off\b"
	r"|\b(?:delete|lose) (?:my|this) number\b"
	r"|\bunsubscribe (?:me|us|this|my)\b"
	r"|\bopt (?:me|us) out\b"
	r"|\b(?:want|wish|like|need) to (?:opt out|optout|unsubscribe|be removed|stop (?:getting|receiving))\b"
	r"|\bhow (?:do|can) i (?:opt out|optout|unsubscribe|stop (?:these|this|getting|receiving|the))\b"
	r"|\bleave me alone\b"
	# Spanish.
	r"|\bno mas (?:mensajes|textos|msjs?)\b"
	r"|\bno me (?:envien|envies|envie|mande|manden|mandes|escriban|escribas|escriba|contacten|contactes"
	r"|contacte|molesten|molestes|moleste)\b"
	r"|\bno quiero (?:recibir )?(?:mas )?(?:mensajes|textos)\b"
	r"|\bdej(?:en|a|e) de (?:enviar|mandar|escribir|molestar)"
	r"|\b(?:borrenme|quitenme|eliminenme|sacame|sacarme|borrarme|quitarme)\b"
	r"|\b(?:darme|dar|denme|deme) de baja\b"
)

# An opt-out keyword set off from the rest: "STOP. Not interested", "Not interested, stop". Only the keywords
# that have no everyday meaning ("end", "cancel", "para" do) are read this way.
_STOP_CLAUSE_WORDS = r"(?:stop|stopall|unsubscribe|optout|opt ?-?out|revoke|alto|detener)"
_STOP_CLAUSE = re.compile(
	rf"^[\W_]*{_STOP_CLAUSE_WORDS}\s*[.!?,;:\n\-]|(?:[.!?,;:\n]|\s-)\s*{_STOP_CLAUSE_WORDS}[\W_]*$",
)
# Opt-out keywords that mean nothing else in a short reply, and the few ways such a reply does not opt out.
_STOP_SHORT = frozenset({"stop", "stopall", "unsubscribe", "optout", "revoke", "detener"})
_STOP_NOT = re.compile(
	r"\b(?:dont|do not|never|wont|cant|not|to|didnt|wouldnt|cannot) stop\b|\bstop (?:by|in|over|at)\b"
)
# A shouted keyword inside a mixed-case sentence: "Not interested STOP".
# Not a verb in a sentence: "my gums won't STOP bleeding" is about bleeding (triage reads it), not an opt-out.
_STOP_SHOUTED = re.compile(
	r"(?<![^\W\d_])(?<!n't )(?<!n\u2019t )(?<!not )(?<!never )(?<!to )(?:STOP|STOPALL|UNSUBSCRIBE|OPTOUT)"
	r"(?![^\W\d_])(?! +[A-Za-z]+ing\b)"
)

_HELP_LEAD = re.compile(
	r"^(?:who is this|whos this|who are you|who is texting me|quien es|quien eres|quien habla)\b"
)

_WRONG_NUMBER = re.compile(
	r"\bwrong (?:num\w*|numb\w*|no|person|phone|guy|girl|lady|contact|people|persona|numero|text|cell)\b"
	r"|^wrong(?: (?:sorry|lol|person|one))?$"
	r"|\bno ?(?:one|body)(?: here)?(?: by| named| with| called)(?: that| the)? name\b"
	r"|\bno ?(?:one|body) (?:here )?(?:named|called|by the name)\b"
	r"|\b(?:doesnt|does not) (?:live|work) here\b"
	r"|\bthere(?:s| is) no (?:one |body )?(?:named |called )?[a-z]+ (?:here|at this number)\b"
	r"|\b(?:isnt|is not|not) (?:my|his|her|their|[a-z]+s) (?:number|phone|cell)\b"
	r"|\bno longer (?:his|her|their) (?:number|phone)\b"
	r"|\bthis number (?:belongs|used to belong|is not|isnt) \w+"
	r"|\bi dont know (?:any ?(?:one|body) )?(?:by that name|named|called)\b"
	r"|\bnumero (?:equivocado|incorrecto|errado)\b"
	r"|\bequivocad[oa] de numero\b"
	r"|\bse equivoco de (?:numero|persona)\b"
	r"|\bpersona equivocada\b"
	r"|\bno es mi numero\b"
)
# "This isn't Maria", "that's not me": a short denial naming someone else.
_NOT_THEM = re.compile(
	r"^(?:sorry |no |nope |hi |hello )?(?:this isnt|this is not|thats not|that is not|this aint) "
	r"(?P<name>[a-z]+)(?: [a-z]+)?(?: (?:number|phone|sorry|lol))?$"
)
_NOT_A_NAME = frozenset(
	{
		"a",
		"an",
		"the",
		"what",
		"my",
		"it",
		"good",
		"right",
		"true",
		"funny",
		"ok",
		"okay",
		"fair",
		"helpful",
		"working",
		"going",
		"necessary",
		"needed",
		"convenient",
		"possible",
		"how",
		"why",
		"cool",
		"nice",
		"fine",
		"really",
		"very",
		"so",
		"too",
		"for",
		"about",
		"happening",
		"enough",
		"spam",
		"clear",
		"urgent",
		"important",
	}
)

_CHOICE_WORDS = {
	"one": 1,
	"two": 2,
	"three": 3,
	"four": 4,
	"five": 5,
	"six": 6,
	"first": 1,
	"second": 2,
	"third": 3,
	"fourth": 4,
	"fifth": 5,
	"sixth": 6,
	"uno": 1,
	"dos": 2,
	"tres": 3,
	"cuatro": 4,
	"cinco": 5,
	"primera": 1,
	"primero": 1,
	"segunda": 2,
	"segundo": 2,
	"tercera": 3,
	"tercero": 3,
}
_CHOICE = re.compile(
	r"^(?:(?:yes|yeah|yep|ok|okay|sure|si|hi|please|pls) )*"
	r"(?:(?:ill take|i ll take|ill do|i choose|i pick|i want|id like|i would like|lets do|lets go with|go with"
	r"|take|prefer|i prefer|quiero|me gustaria) )?"
	r"(?:(?:the|la|el) )?"
	r"(?:(?:option|opt|number|num|choice|slot|time|opcion|numero) )?"
	r"(?P<n>[0-9]{1,3}|[0-9]{1,2}(?:st|nd|rd|th)|" + "|".join(_CHOICE_WORDS) + r")"
	r"(?: (?:one|option|choice|slot|time|opcion|is good|is fine|is best|works|works for me|works best|please|pls"
	r"|thanks|thank you|thx|por favor|gracias))*$"
)

_MOVED = re.compile(
	r"\b(?:moved|relocated)\b(?! (?:my|the|it|our|your|that|this|his|her|their|them|things|stuff|some|appointment"
	r"|appt|up|on)\b)"
	r"|\bmoving (?:away|out of|to|across)\b"
	r"|\blive (?:in )?(?:another|a different|other) (?:state|city|country|town|area|province)\b"
	r"|\b(?:dont|do not|no longer) live (?:here|in|near|around|nearby|close|there)\b"
	r"|\bout of (?:state|the country) now\b"
	r"|\b(?:me mude|nos mudamos|me cambie de (?:casa|ciudad|estado)|nos cambiamos de (?:casa|ciudad|estado))\b"
	r"|\bvivo en otr[oa] (?:estado|ciudad|pais)\b"
	r"|\bya no vivo\b"
)
_COST = re.compile(
	r"\b(?:too|so|very|really|way too|too damn) (?:expensive|pricey|costly)\b"
	r"|\bexpensive\b"
	r"|\b(?:cant|can not|cannot|couldnt|unable to|not able to) (?:afford|pay)\b"
	r"|\bno (?:dental )?(?:insurance|coverage)\b"
	r"|\b(?:dont|do not|no longer) have (?:dental )?(?:insurance|coverage)\b"
	r"|\blost (?:my|our) (?:dental )?(?:insurance|coverage|job)\b"
	r"|\binsurance (?:doesnt|does not|wont|will not|no longer) cover"
	r"|\bcosts? (?:too much|a lot)\b"
	r"|\btoo much money\b"
	r"|\b(?:no|dont have the|dont have|do not have) money\b"
	r"|\b(?:muy|demasiado) caro\b|\bes caro\b"
	r"|\bno tengo (?:seguro|dinero|aseguranza)\b"
	r"|\bno puedo pagar\b|\bno me alcanza\b"
)
_FEAR = re.compile(
	r"\b(?:scared|terrified|frightened|anxious|anxiety|nervous|phobia|phobic|panic|fear|fearful|freaked out"
	r"|freak out)\b"
	r"|\bafraid\b(?! (?:i|we|that|not|so|it|this|you|he|she|they)\b)"
	r"|\bhate (?:going to )?(?:the )?(?:dentist|dentists|needles|drill|shots|dental)\b"
	r"|\b(?:miedo|ansiedad|nervios[oa]?)\b"
)
_SWITCHED = re.compile(
	r"\bfound (?:a |an |another |a new |a different |my new |a better |a cheaper |a closer )?(?:dentist|doctor"
	r"|clinic|office|practice|provider|place|orthodontist|hygienist)\b"
	r"|\bswitch(?:ed|ing)\b(?! (?:my |our |to a new |to a different )?(?:number|phone|job|jobs|shift|shifts"
	r"|insurance|plans?|carrier|cell)\b)"
	r"|(?<!your )(?<!the )\bnew (?:dentist|provider|orthodontist|dental office)\b"
	r"|(?<!your )\b(?:another|different) (?:dentist|clinic|office|practice|provider|orthodontist|dental office)\b"
	r"|\b(?:go|going|went|gone|goes|see|seeing|use|using) (?:to )?(?:somewhere|someone|some place|someplace) else\b"
	r"|\b(?:go|going|went|gone|goes) elsewhere\b"
	r"|\b(?:otro dentista|otra clinica|otro consultorio|nuevo dentista|nueva clinica)\b"
	r"|\bcambie de (?:dentista|clinica|consultorio)\b"
)
_LEAVING_OTHER = re.compile(
	r"\b(?:not|no longer|no more) interested\b"
	r"|\b(?:not|never|wont be|will not be|im not) coming back\b"
	r"|\bno longer (?:a patient|need|needed)\b"
	r"|\b(?:dont|do not) need (?:a |the )?(?:dentist|dental care|cleaning|your services|you)\b"
	r"|\bno me interesa\b|\bya no (?:me interesa|necesito)\b"
)
# In order: the first that matches names the reason.
_LEAVE_TABLE = ((MOVED, _MOVED), (COST, _COST), (FEAR, _FEAR), (SWITCHED, _SWITCHED), (OTHER, _LEAVING_OTHER))

_LATER = re.compile(
	r"\bnot (?:right )?now\b"
	r"|\b(?:maybe |ask me |try me |text me |contact me |call me |remind me |check back |try again )?later\b"
	r"(?! today| this (?:week|afternoon|evening|morning))"
	r"|\bnext (?:month|week|year|time|spring|summer|fall|autumn|winter|paycheck|payday)\b"
	r"|\b(?<!not )(?<!not too )busy\b"
	r"|\bin (?:a )?(?:few|couple|couple of|2|3|two|three|several|some) (?:weeks|months|days)\b"
	r"|\bafter (?:the )?(?:holidays|holiday|christmas|thanksgiving|new year|new years|summer|vacation"
	r"|my vacation|my trip|the baby|my surgery|school starts|tax season)\b"
	r"|\b(?:not|isnt|is not) (?:a good|the best|the right|a great) time\b|\bbad time\b"
	r"|\bnot (?:yet|at the moment|at this time|this month|this week|for now|this time)\b"
	r"|\b(?:some ?other|another) time\b"
	r"|\bwhen things calm down\b|\bin the new year\b"
	r"|\bmas tarde\b|\bahora no\b|\bpor ahora no\b|\bno por ahora\b|\bdespues\b|\botro dia\b"
	r"|\bel (?:proximo|otro) mes\b|\bel mes que viene\b|\ben unas semanas\b"
)

# "Yes", "ok", "sure", "sí" and friends, as the start of a reply.
_AFFIRMATIVE = re.compile(
	r"^(?:ye+s+|yes+|yea+h*|yah+|yep+|yup+|sure+|ok+|okay+|okey|okie|okie dokie|kk?|si+|claro|absolutely"
	r"|definitely|certainly|alright|all right|of course|sounds good|sounds great|sure thing|yessir|yass+|dale"
	r"|vale|de acuerdo|esta bien|perfect|perfecto|great|please do|lets do it|book|book me|book it)\b"
)
_CONTRAST = re.compile(r"\b(?:but|pero|however|although|though|except|unless)\b")
# "Can I come Thursday?", "could we do Friday morning", "puedo ir el jueves": asking for a time (read for one).
_ASKS_FOR_A_TIME = re.compile(
	r"^(?:(?:hi|hello|hey|hola) )?(?:can|could|may) (?:i|we) (?:please )?(?:come|come in|come by|do|book|get in"
	r"|have|make it|schedule)\b|^(?:puedo|podemos|podria|podriamos) (?:ir|venir|pasar|reservar)\b"
)
_BOOK_PHRASES = re.compile(
	r"\bbook (?:me|us|it|an? |my |now)"
	r"|\b(?:id|i d|i would|wed|we would|i want|i need|i wanna) (?:like |love )?(?:to )?(?:book|come in|come back"
	r"|schedule|make an appointment|make an appt|get an appointment|get in|set up an appointment)\b"
	r"|\bi (?:want|need|would like|d like) (?:an|a new|a) (?:appointment|appt|cleaning|checkup|check up|visit"
	r"|exam)\b"
	r"|\bcan i come in\b|\bschedule me\b|\bsign me up\b|\bcount me in\b|\bget me in\b|\bset me up\b"
	r"|\bsounds good\b|\blets do it\b|\blets book\b|\bplease book\b|\bready to (?:book|come back|schedule)\b"
	r"|\b(?:make|schedule|set up) an (?:appointment|appt)\b"
	r"|\bim interested\b|\bi am interested\b|\binterested in (?:booking|coming|an appointment)\b"
	r"|\bquiero (?:una |hacer una |sacar una |agendar una )?cita\b|\bhacer una cita\b|\bagendar\b|\bagendame\b"
	r"|\bme gustaria (?:una cita|agendar|hacer una cita|reservar)\b"
)
# A question that is purely a booking request: "Can I come in?", "Could you book me?".
_BOOK_QUESTION = re.compile(
	r"^(?:(?:yes|yeah|ok|okay|sure|hi|hello|great) )*(?:can|could|may) (?:i|we|you) (?:please )?"
	r"(?:come in|book|book me|book me in|book an appointment|schedule|schedule me|make an appointment"
	r"|get an appointment|set up an appointment|get me in|set me up|sign me up)"
	r"(?: (?:please|soon|today|tomorrow|this week|next week|asap|again|sometime))*$"
)
_WORD = WORD

_LATER_MORE = re.compile(
	# A named month or date: "in March", "until April", "after the 15th", "en marzo", "despues del 15".
	r"\b(?:in|until|till|til|after|around|by|hasta|en|para|despues de|despues del|a principios de"
	r"|a mediados de|a finales de|early|late|mid) (?:the month of |el mes de )?(?:january|february|march|april"
	r"|may|june|july|august|september|sept|october|november|december|enero|febrero|marzo|abril|mayo|junio"
	r"|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)\b"
	r"|\b(?:after|until|till|hasta) the (?:[12]?[0-9]|3[01])(?:st|nd|rd|th)?\b|\bdespues del (?:[12]?[0-9]|3[01])\b"
	r"|\b(?:in|within) (?:a|one|1) (?:week|month|year)\b|\b(?:in|within|after) (?:[0-9]{1,2}|a few|a couple"
	r"|a couple of|few|couple|couple of|two|three|four|several) (?:weeks|months|days|wks)\b"
	r"|\bdentro de (?:un|una|unos|unas|dos|tres|[0-9]{1,2}) (?:semanas?|mes|meses|dias)\b"
	r"|\ben (?:un|una|dos|tres|[0-9]{1,2}) (?:semanas?|mes|meses)\b"
	r"|\b(?:after|despues de) (?:easter|semana santa|pascua|navidad|las fiestas|ano nuevo|el verano)\b"
	r"|\b(?:el|la) (?:ano|semana) que viene\b|\bel proximo ano\b|\bla proxima semana\b|\ben otro momento\b"
	r"|\b(?:text|call|contact|message|remind|try|ask|reach out to|check (?:in )?with) (?:me|us) (?:again )?"
	r"(?:on |in |next |this |after |around )?(?:tomorrow|monday|tuesday|wednesday|thursday|friday|saturday"
	r"|sunday|the weekend|a week|a month|january|february|march|april|may|june|july|august|september"
	r"|october|november|december)\b"
	r"|\b(?:ocupad[oa]s?|ahorita no|luego)\b|\btengo mucho trabajo\b|\bmas adelante\b"
)
# "Maybe next month?": a question that is only a "later".
_LATER_QUESTION = re.compile(
	r"^(?:(?:maybe|perhaps|possibly|probably|quizas|tal vez|can you|could you|can u) )*(?:(?:text|contact|call"
	r"|message|remind) (?:me|us) )?(?:again )?(?:later|next (?:week|month|year)|after the holidays|in (?:a few"
	r"|a couple of|2|3|two|three) (?:weeks|months)|mas tarde|el proximo mes|el mes que viene)$"
)

# A booking that names its day: "next week works", "Tuesday is good", "I can do Friday", "el martes me sirve".
_DAY = (
	r"(?:today|tonight|tomorrow|tmrw|tmr|2morrow|tomorow|tommorow|tommorrow|this week|next week|this weekend"
	r"|next weekend|the weekend|any ?day (?:this|next) week|(?:(?:next|this|on) )?(?:monday|tuesday|wednesday"
	r"|thursday|friday|saturday|sunday|mon|tues|weds|thurs|fri)s?(?: (?:morning|afternoon|evening|am|pm))?"
	r"|(?:the|this|next) (?:morning|afternoon|evening)|(?:[0-9]{1,2}(?: ?[0-9]{2})? ?(?:am|pm))"
	r"|hoy|(?<!la )manana|(?:el )?(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
	r"|la (?:proxima semana|semana que viene)|este fin de semana"
	# A part of the day ("mornings work", "after work is best", "por las tardes me sirve").
	r"|(?:early |late )?(?:mornings|afternoons|evenings)|in the (?:morning|afternoon|evening)s?|after work"
	r"|after school|lunchtime|lunch time|(?:por|en) (?:la|las) (?:mananas?|tardes?|noches?)"
	r"|any ?time (?:this|next) week|any ?time (?:this|next) (?:monday|tuesday|wednesday|thursday|friday))"
)
_DAY_BOOKING = re.compile(
	rf"\b{_DAY}(?: (?:at|around|after|before|in the) [a-z0-9 ]{{1,15}}?)? (?:works?|would work|could work"
	rf"|will work|is good|is great|is fine|is ok|is okay|is perfect|is better|is best|sounds good|sounds great"
	rf"|would be (?:good|great|better|perfect|best|fine)|good for me|fine for me|ok for me|works for me"
	rf"|please|pls|is open for me|i can do|im free|me funciona|me sirve|me queda bien|me va bien|esta bien"
	rf"|por favor|perfecto)\b"
	rf"|\b(?:i can do|i could do|i can come|i could come|i can make|i could make|i can be there|im free"
	rf"|i am free|im available|i am available|lets do|lets say|i can come in|i could come in|id prefer"
	rf"|i prefer|prefer|book me|book me in|schedule me|put me down|sign me up|puedo|podria|prefiero"
	rf"|mejor|agendame|me queda bien)(?: (?:in|on|for|ir|el))* {_DAY}\b"
)
# A bare day ("Tuesday", "tomorrow afternoon") answering an offer to book.
_BARE_DAY = re.compile(
	rf"^(?:(?:yes|yeah|ok|okay|sure|si) )?{_DAY}"
	r"(?: (?:at|around|after|before|despues de las|antes de las|a las) [0-9]{1,2}(?: ?[0-9]{2})? ?(?:am|pm)?"
	r"| (?:en|por) la (?:manana|tarde|noche))?"
	r"(?: (?:please|pls|por favor|thanks))?$"
)
# "Next available", "asap": the earliest time, a booking.
_EARLIEST_BOOKING = re.compile(
	r"^(?:(?:yes|yeah|ok|okay|sure|si) )?(?:the )?(?:next available|first available|earliest|soonest|asap"
	r"|as soon as possible|lo antes posible|lo mas pronto posible|cuanto antes|la primera disponible)"
	r"(?: (?:please|pls|one|time|appointment|slot|spot|por favor|thanks))*$"
)

_MORE_BOOKING = re.compile(
	r"\b(?:due for|overdue for|just want|just need|need|want|time for|get|ready for|come in for|book|schedule)"
	r" (?:a |my |an |our |the )?(?:[a-z0-9]+ ){0,2}?(?:cleaning|checkup|check up|exam|appointment|appt|visit"
	r"|limpieza|cita|revision)\b"
	r"|^(?:a |an |my )?(?:cleaning|checkup|check up|appointment|appt|limpieza|cita)(?: please| pls| por favor)?$"
	r"|\bsolo (?:quiero |necesito )?(?:una )?(?:limpieza|cita|revision)\b"
	r"|\b(?:i|we) (?:will|ll|shall) (?:book|schedule|come in|come back|click|use the link)\b|\bill (?:book"
	r"|schedule|come in)\b|\bi want to come (?:in|back)\b|\bwhen can i come\b|\bquiero (?:ir|agendar|una limpieza)\b"
)

# Words that say a "yes" is not meant: an eye roll, "yeah right". The text goes to a person instead.
_SARCASM_WORDS = re.compile(
	r"\b(?:yeah right|yea right|ya right|sure jan|as if|thanks for nothing|like (?:i|id|i would|id ever|i would"
	r" ever|ill|i will) (?:ever )?(?:come|go|book|want|trust)|when pigs fly|in your dreams|not in a million"
	r" years|over my dead body|ni loco|ni loca|ni de chiste|si como no)\b|(?:^|\s)/s$"
)
_SARCASM_EMOJI = ("\U0001f644", "\U0001f612", "\U0001f928", "\U0001f611")  # rolling eyes, unamused, ...

# A question even without "?": the text opens like one.
_INTERROGATIVE = frozenset(
	"""
	what whats when where how why who which is are do does did can could would will should may any anyone
	anything am was were have has cual cuales cuando donde como cuanto cuanta cuantos que quien hay tienen
	puedo pueden aceptan hacen estan atienden
	""".split()
)

# "Call me": a request for a person to call, never answered with our phone number.
_CALLBACK = re.compile(
	r"\b(?:call|ring|phone) (?:me|us|him|her|my (?:husband|wife|mom|dad|cell|number|mobile))\b|\bcall back\b"
	r"|\bgive (?:me|us) a (?:call|ring)\b|^(?:please |pls |plz )?call(?: please| pls| asap| now)?$"
	r"|\bllam(?:enme|eme|ame|arme|enos)\b|\bme (?:pueden |puede |podrian |podria )?llamar\b|\bme llaman\b"
)

# "Ok, thank you": a thank-you for the message, not a yes to the offer. A person reads it.
_ACKNOWLEDGEMENT = re.compile(
	r"^(?:ok|okay|k|kk|alright|cool|great|got it|noted)(?: (?:thanks|thank you|thx|ty|gracias|thanks so much"
	r"|thank you so much))$"
)

_AFFIRMATIVE_LEAD = re.compile(r"^(?:yes|yeah|yep|yup|sure|ok|okay|si|claro|perfect|great|book)\b")


def classify(body: str | None, *, offered_choices: int = 0, opted_out: bool = False) -> Intent:
	"""The intent of one inbound text. Never raises; anything it cannot read with confidence is a QUESTION.

	The compatible view of understand(): triage is applied ("Yes, my tooth hurts" is a QUESTION, for a
	person, not a BOOK), and the categories that have no intent of their own (Clinical, Urgent, Complaint,
	Billing, FAQ, Other) read QUESTION."""
	return understand(body, offered_choices=offered_choices, opted_out=opted_out).intent


def understand(
	body: str | None,
	*,
	offered_choices: int = 0,
	opted_out: bool = False,
	faq: FaqIndex | Sequence[FaqEntry] | None = None,
	today: date | None = None,
	tz: str | None = None,
	now: datetime | None = None,
	pending: bt.Pending | None = None,
) -> Understanding:
	"""Everything the inbox needs to know about one inbound text. Never raises.

	offered_choices: how many numbered times the patient was offered (1..n read as a CHOICE); the older way
	of saying what `pending` says (a caller passing pending passes no offered_choices).
	opted_out: the number is opted out ("yes" then means START).
	faq: the enabled answers (a FaqIndex, built once per settings version, or a list of FaqEntry).
	today: the patient's date, to resolve "next month" or "after the 15th"; else now (an aware datetime)
	is read in tz (an IANA zone, UTC when None). With neither, no date is resolved (the caller's default
	snooze applies) and no booking reading is made. This function never reads the clock.
	pending: the question our last text to this patient asked (engine.booking_talk), if any.
	"""
	text, flat = normalize(body)
	language = detect_language(body)
	if not flat:
		return Understanding(OTHER_CATEGORY, Intent(QUESTION), to_person=True, language=language)
	words = flat.split(" ")
	core = _core(words)
	finding = triage(text)

	# STOP beats everything: a reply that might be an opt-out is honoured as one. What else it says still
	# reaches a person (flags set), but never an automatic answer.
	stop = _stop(text, flat, core, body)
	if stop:
		opted = _with_finding(Understanding(OPT_OUT, stop, matched=stop.matched, language=language), finding)
		if pending is not None and pending.kind == bt.BOOKED:
			# "CANCEL" after booking: an opt-out (the carrier treats it as one too), and a person sees the
			# appointment it may have meant.
			reading = _booking_reading(body, pending, today, tz, now)
			if reading is not None and reading.kind == bt.CHANGE:
				return replace(opted, to_person=True, reading=reading)
		return opted
	if finding:
		return _with_finding(
			Understanding(
				_TRIAGE_CATEGORY[finding.level], Intent(QUESTION, matched=finding.matched), language=language
			),
			finding,
		)

	intent = _read(text, flat, core, body, offered_choices=offered_choices, opted_out=opted_out)
	kind = intent.kind
	if kind == START:
		return Understanding(OPT_IN, intent, matched=intent.matched, language=language)
	if kind == HELP:
		return Understanding(HELP_CATEGORY, intent, matched=intent.matched, language=language)
	if kind == WRONG_NUMBER:
		return Understanding(WRONG_NUMBER_CATEGORY, intent, matched=intent.matched, language=language)
	if kind == LEAVING:
		return Understanding(
			LEAVING_CATEGORY,
			intent,
			leave_reason=intent.leave_reason,
			matched=intent.matched,
			language=language,
		)

	sarcasm = _sarcasm(text, flat)
	reading = None
	# "Yes, but mornings are better": a yes with a contrast is not a plain yes (so not a booking by itself), but
	# when what follows the contrast names a day or a time, that wish is the answer.
	# "Can I come Thursday afternoon?": a question that asks for a time is answered with times when it names one.
	hedged_yes = kind == QUESTION and (
		(_AFFIRMATIVE.match(core) and _CONTRAST.search(core)) or _ASKS_FOR_A_TIME.match(flat)
	)
	if pending is not None or kind in (BOOK, CHOICE) or hedged_yes:
		reading = _booking_reading(body, pending, today, tz, now)
		if hedged_yes and pending is None and reading is not None:
			if reading.kind != bt.WANT or not reading.wish.has_days_or_times():
				reading = None
	today = _local_today(today, tz, now)
	if sarcasm and (kind in (BOOK, CHOICE, LATER) or reading is not None and reading.about_booking):
		return Understanding(
			OTHER_CATEGORY,
			Intent(QUESTION, matched=sarcasm),
			to_person=True,
			matched=sarcasm,
			language=language,
		)
	if reading is not None:
		booking = _booking(reading, pending, text, words, body, faq, language)
		if booking is not None:
			return booking
	if kind in (BOOK, CHOICE):
		hint = day_hint(flat, today) if today and kind == BOOK else None
		return Understanding(
			BOOKING,
			intent,
			choice=intent.choice,
			day_hint=hint.on if hint else None,
			matched=intent.matched,
			language=language,
			reading=reading,
		)
	if kind == LATER:
		named = snooze_until(flat, today) if today else None
		return Understanding(
			NOT_NOW,
			intent,
			snooze_until=named.on if named else None,
			matched=named.matched if named else intent.matched,
			language=language,
		)

	# A question, or something unclear: an answer on the list, a suggestion for a person, or a person alone.
	asks = "?" in text or "\u00bf" in text or words[0] in _INTERROGATIVE
	callback = _CALLBACK.search(flat)
	category = QUESTION_CATEGORY if asks or callback else OTHER_CATEGORY
	index = as_index(faq)
	found = index.match(body) if index and not sarcasm and not callback else None
	if found and found.clear and not _wants_booking_too(core, flat):
		return Understanding(
			FAQ,
			Intent(QUESTION, matched=found.id),
			faq_id=found.id,
			faq_score=found.score,
			faq_answer=found.answer,
			matched=found.id,
			language=language,
		)
	return Understanding(
		category,
		intent,
		to_person=True,
		faq_id=found.id if found else None,
		faq_score=found.score if found else 0.0,
		faq_answer=found.answer if found else None,
		matched=intent.matched or sarcasm or (callback.group(0) if callback else ""),
		language=language,
	)


def _booking_reading(
	body: object, pending: bt.Pending | None, today: date | None, tz: str | None, now: datetime | None
) -> bt.Reading | None:
	"""The reply read against the pending question, in the patient's calendar (None without a date)."""
	local = _local_now(tz, now)
	today = today if today is not None else (local.date() if local else None)
	if today is None:
		return None
	return bt.read(
		body if isinstance(body, str) else str(body or ""), pending, today, local.time() if local else None
	)


def _booking(
	reading: bt.Reading,
	pending: bt.Pending | None,
	text: str,
	words: list[str],
	body: object,
	faq: FaqIndex | Sequence[FaqEntry] | None,
	language: str,
) -> Understanding | None:
	"""The Understanding of a booking reply, or None when the usual reading applies (see the module docstring)."""
	if pending is not None and pending.kind == bt.BOOKED:
		if reading.kind == bt.CHANGE:
			return Understanding(
				OTHER_CATEGORY,
				Intent(QUESTION, matched=reading.matched),
				to_person=True,
				matched=reading.matched,
				language=language,
				reading=reading,
			)
		if reading.kind == bt.ACK:
			return Understanding(
				BOOKING,
				Intent(BOOK, matched=reading.matched),
				matched=reading.matched,
				language=language,
				reading=reading,
			)
		if reading.about_booking:
			return _booking_for_person(reading, language)
		return None
	if reading.kind in (bt.PICK, bt.WANT, bt.OTHER_TIMES):
		asks = "?" in text or "\u00bf" in text or words[0] in _INTERROGATIVE
		if asks and reading.kind != bt.PICK:
			index = as_index(faq)
			found = index.match(body) if index else None
			if found and found.clear:
				return Understanding(
					FAQ,
					Intent(QUESTION, matched=found.id),
					faq_id=found.id,
					faq_score=found.score,
					faq_answer=found.answer,
					matched=found.id,
					language=language,
					reading=reading,
				)
		if reading.kind == bt.PICK and reading.option is not None:
			intent = Intent(CHOICE, choice=_label_number(reading.option.label), matched=reading.matched)
		else:
			intent = Intent(BOOK, matched=reading.matched)
		return Understanding(
			BOOKING,
			intent,
			day_hint=reading.wish.first_day,
			matched=reading.matched,
			language=language,
			reading=reading,
		)
	if pending is not None and reading.kind == bt.UNCLEAR and reading.about_booking:
		return _booking_for_person(reading, language)
	return None


def _booking_for_person(reading: bt.Reading, language: str) -> Understanding:
	"""A booking reply that cannot be acted on with confidence: Booking, for a person."""
	return Understanding(
		BOOKING,
		Intent(QUESTION, matched=reading.matched),
		to_person=True,
		matched=reading.matched,
		language=language,
		reading=reading,
	)


def _label_number(label: str) -> int | None:
	return int(label) if label.isdigit() else None


def _with_finding(understanding: Understanding, finding: Finding | None) -> Understanding:
	if not finding:
		return understanding
	return replace(
		understanding,
		urgent=finding.level == URGENT_LEVEL,
		crisis=finding.crisis,
		to_person=True,
		triage=finding.level,
		sign=finding.sign,
		matched=understanding.matched or finding.matched,
	)


def _stop(text: str, flat: str, core: str, body: object) -> Intent | None:
	if core in _STOP_WHOLE or _is_stop_repeated(core):
		return Intent(STOP, matched=core)
	found = _STOP_PHRASES.search(flat) or _STOP_CLAUSE.search(text)
	if found:
		return Intent(STOP, matched=" ".join(_WORD.findall(found.group(0))))
	found = _STOP_SHOUTED.search(_shouted_form(body))
	if found:
		return Intent(STOP, matched=found.group(0).lower())
	# A short reply with an opt-out keyword in it, whatever else it holds ("2 STOP", "yes stop", "stop 2"):
	# honoured as an opt-out, never read as a pick.
	words = flat.split(" ")
	if len(words) <= 4 and not _STOP_NOT.search(flat):
		found = next((w for w in words if w in _STOP_SHORT), None)
		if found:
			return Intent(STOP, matched=found)
	return None


def _read(text: str, flat: str, core: str, body: object, *, offered_choices: int, opted_out: bool) -> Intent:
	"""The keyword reading of a text that is neither an opt-out nor a triage case."""
	asks = "?" in text or "\u00bf" in text

	if core in START_KEYWORDS or (opted_out and core in _START_WHEN_OPTED_OUT):
		return Intent(START, matched=core)

	if core in HELP_KEYWORDS:
		return Intent(HELP, matched=core)
	found = _HELP_LEAD.search(core)
	if found:
		return Intent(HELP, matched=found.group(0))

	found = _WRONG_NUMBER.search(flat)
	if found:
		return Intent(WRONG_NUMBER, matched=found.group(0))
	found = _NOT_THEM.match(flat)
	if found and found.group("name") not in _NOT_A_NAME:
		return Intent(WRONG_NUMBER, matched=found.group(0))

	if offered_choices and offered_choices > 0:
		found = _CHOICE.match(core)
		if found:
			number = _choice_number(found.group("n"))
			if 1 <= number <= offered_choices:
				return Intent(CHOICE, choice=number, matched=found.group("n"))
			return Intent(QUESTION, matched=found.group("n"))

	# From here on a question mark means a person decides, unless it is a plain request to book or a plain
	# "later".
	if asks:
		found = _BOOK_QUESTION.match(core)
		if found:
			return Intent(BOOK, matched=found.group(0))
		found = _LATER_QUESTION.match(core)
		if found:
			return Intent(LATER, matched=found.group(0))
		return Intent(QUESTION, matched="?")

	for reason, pattern in _LEAVE_TABLE:
		found = pattern.search(flat)
		if found:
			return Intent(LEAVING, leave_reason=reason, matched=found.group(0))

	# A day that works is a booking, even when "next week" is in it; a day alone answers the offer.
	found = _DAY_BOOKING.search(flat) or _BARE_DAY.match(core) or _EARLIEST_BOOKING.match(core)
	if found:
		return Intent(BOOK, matched=found.group(0).strip())

	found = _LATER.search(flat) or _LATER_MORE.search(flat)
	if found:
		return Intent(LATER, matched=found.group(0))

	found = _BOOK_PHRASES.search(flat) or _MORE_BOOKING.search(flat)
	if found:
		return Intent(BOOK, matched=found.group(0).strip())
	found = _AFFIRMATIVE.match(core)
	if found and not _CONTRAST.search(core) and not _ACKNOWLEDGEMENT.match(flat):
		return Intent(BOOK, matched=found.group(0))

	return Intent(QUESTION)


def _sarcasm(text: str, flat: str) -> str:
	found = _SARCASM_WORDS.search(flat)
	if found:
		return found.group(0).strip()
	for emoji in _SARCASM_EMOJI:
		if emoji in text:
			return "eye roll"
	return ""


def _wants_booking_too(core: str, flat: str) -> bool:
	"""'Yes! What time do you open?': the answer alone would leave the "yes" hanging; a person takes it."""
	return bool(_AFFIRMATIVE_LEAD.match(core) or _BOOK_PHRASES.search(flat) or _MORE_BOOKING.search(flat))


def _local_today(today: date | None, tz: str | None, now: datetime | None) -> date | None:
	if today is not None or now is None:
		return today
	return _local_now(tz, now).date()


def _local_now(tz: str | None, now: datetime | None) -> datetime | None:
	"""now (aware; naive is UTC) in the patient's zone (UTC when unknown)."""
	if now is None:
		return None
	try:
		zone = ZoneInfo(tz) if tz else timezone.utc
	except (ZoneInfoNotFoundError, ValueError):
		zone = timezone.utc
	return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).astimezone(zone)


def _core(words: list[str]) -> str:
	"""The words without greetings in front, courtesies behind, or immediate repeats ("stop stop")."""
	start, end = 0, len(words)
	while end - start > 1:
		if words[end - 1] in _TRAILING_FILLERS:
			end -= 1
		elif end - start > 2 and (words[end - 2], words[end - 1]) in _TRAILING_PAIRS:
			end -= 2
		elif words[start] in _LEADING_FILLERS:
			start += 1
		else:
			break
	kept: list[str] = []
	for word in words[start:end]:
		if not kept or kept[-1] != word:
			kept.append(word)
	return " ".join(kept)


def _is_stop_repeated(core: str) -> bool:
	"""'stop stop stop', 'stop unsubscribe': nothing but opt-out keywords."""
	words = core.split(" ")
	return len(words) > 1 and all(word in _STOP_WHOLE for word in words)


def _shouted_form(body: object) -> str:
	"""The original letters, case kept, if the text mixes cases; '' for all-caps or all-lower texts."""
	if not isinstance(body, str):
		return ""
	text = unicodedata.normalize("NFKC", body)
	if not any(c.islower() for c in text) or not any(c.isupper() for c in text):
		return ""
	return text


def _choice_number(token: str) -> int:
	if token in _CHOICE_WORDS:
		return _CHOICE_WORDS[token]
	return int(token.rstrip("stndrh"))
