"""Inbound SMS replies: what a patient's text means, so the inbox can act on it or hand it to a person.

One job: classify(body) -> Intent. Opt-outs come first and are read generously (Twilio's keywords as the
whole message, plus the FCC's "any reasonable means" phrasings); everything ambiguous is a QUESTION, which
a person reads. Tables of keywords and compiled patterns live at module level so a reply costs a handful of
regex scans. Standard library only; this module never performs I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
# A shouted keyword inside a mixed-case sentence: "Not interested STOP".
_STOP_SHOUTED = re.compile(r"(?<![^\W\d_])(?:STOP|STOPALL|UNSUBSCRIBE|OPTOUT)(?![^\W\d_])")

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

_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u00b4": "", "\u02bc": ""})
_WORD = re.compile(r"[^\W_]+")
_SIGNATURE = re.compile(r"(?:^|\n)\s*(?:--\s*)?sent from my [^\n]*$")
_WRONG_HASH = re.compile(r"\bwrong\s*#")


def classify(body: str | None, *, offered_choices: int = 0, opted_out: bool = False) -> Intent:
	"""The intent of one inbound text. Never raises; anything it cannot read with confidence is a QUESTION."""
	text, flat = _normalize(body)
	if not flat:
		return Intent(QUESTION)
	words = flat.split(" ")
	core = _core(words)
	asks = "?" in text or "\u00bf" in text

	# STOP beats everything: a reply that might be an opt-out is honoured as one.
	if core in _STOP_WHOLE or _is_stop_repeated(core):
		return Intent(STOP, matched=core)
	found = _STOP_PHRASES.search(flat) or _STOP_CLAUSE.search(text)
	if found:
		return Intent(STOP, matched=" ".join(_WORD.findall(found.group(0))))
	found = _STOP_SHOUTED.search(_shouted_form(body))
	if found:
		return Intent(STOP, matched=found.group(0).lower())

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

	# From here on a question mark means a person decides, unless it is a plain request to book.
	if asks:
		found = _BOOK_QUESTION.match(core)
		if found:
			return Intent(BOOK, matched=found.group(0))
		return Intent(QUESTION, matched="?")

	for reason, pattern in _LEAVE_TABLE:
		found = pattern.search(flat)
		if found:
			return Intent(LEAVING, leave_reason=reason, matched=found.group(0))

	found = _LATER.search(flat)
	if found:
		return Intent(LATER, matched=found.group(0))

	found = _BOOK_PHRASES.search(flat)
	if found:
		return Intent(BOOK, matched=found.group(0).strip())
	found = _AFFIRMATIVE.match(core)
	if found and not _CONTRAST.search(core):
		return Intent(BOOK, matched=found.group(0))

	return Intent(QUESTION)


def _normalize(body: object) -> tuple[str, str]:
	"""(text, flat): text is case-folded and accent-free; flat is its words joined by single spaces."""
	if body is None:
		return "", ""
	if isinstance(body, bytes):
		body = body.decode("utf-8", "replace")
	elif not isinstance(body, str):
		body = str(body)
	text = unicodedata.normalize("NFKC", body).casefold().translate(_APOSTROPHES)
	text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
	text = _SIGNATURE.sub("", text.strip())
	text = _WRONG_HASH.sub("wrong number", text)
	return text, " ".join(_WORD.findall(text))


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
