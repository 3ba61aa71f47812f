"""Answers to common questions: which of the practice's answers a patient's question asks for, and how sure.

One job: FaqIndex(entries).match(text) -> FaqMatch | None, plus the checks an answer must pass before it is
saved (check_answer) and the shipped examples built from the practice's details (example_answers).

Matching: the question and every example phrasing are reduced to their content words (engine.wording's flat
form, texting shorthand spelled out, greetings, courtesies and function words dropped: "hey wat r ur hrs??"
reads "hours"), then compared with rapidfuzz's token_set_ratio, which scores 100 when all the words of one side
appear in the other and forgives typos ("parkng"). An entry's score is its best phrasing's. Two thresholds:

- CLEAR (>= CLEAR_THRESHOLD): the answer goes out automatically.
- NEAR (>= NEAR_THRESHOLD): a person answers, with this answer suggested.

Thresholds measured on tests/unit/corpus_faq.py (139 questions and question-like texts: hours, address,
phone, parking, insurance, whitening, cleaning prices, and 47 questions no answer covers; English, Spanish,
typos, shorthand), by tests/unit/test_faq.py::test_measured_thresholds, which recomputes the figures below and
fails if they change:

  answers = the four shipped examples (hours, address, phone, parking):
    clear (>= 90): precision 1.00 (63 of 63 automatic answers right), recall 0.97 (63 of 65 askable)
    near (>= 70): 65 of 65 askable questions reach their answer (automatic or suggested); 1 of the 74
    questions the examples do not cover gets a suggestion (a person sees it and does not use it)
  answers = the four examples + insurance, whitening and cleaning-price answers a manager might add:
    clear (>= 90): precision 1.00 (85 of 85), recall 0.92 (85 of 92)
    near (>= 70): 92 of 92 reach their answer; 2 of the 47 uncovered questions get a suggestion
  Held out (41 texts written after the thresholds were set, never tuned against; test_held_out_figures):
    shipped: clear precision 1.00 (13 of 13), recall 0.54 (13 of 24), 19 of 24 reach their answer;
    extended: clear precision 1.00 (18 of 18), recall 0.56 (18 of 32), 26 of 32 reach their answer.
    Recall out of sample is lower (a question with one word no phrasing has, "is parking *available*",
    scores 85 and goes to a person with the suggestion): managers raise it by adding phrasings.
  At a clear threshold of 85 precision falls to 0.985 (the phrasing "where are you?" would answer "where did
  you get my number?" with the address); scores are token_set_ratio less 15 per extra word, so 90 means
  "every word of the question is in one phrasing, allowing typos".

CLEAR_THRESHOLD sits where precision stays 1.00 on the corpus (a wrong automatic answer is the costly
mistake; a missed one only costs a person a minute); NEAR_THRESHOLD keeps suggestions useful without
suggesting something for every question. Triage runs first in replies.understand(): a clinical, urgent,
billing or complaint text never reaches this matcher. rapidfuzz and the standard library only; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from winback_app.engine.templates import CLINICAL_TERMS, sms_size
from winback_app.engine.wording import normalize

CLEAR_THRESHOLD = 90.0
NEAR_THRESHOLD = 70.0

MAX_QUESTION_WORDS = 15  # a longer text is not a quick question: a person reads it (and matching stays cheap)
MAX_ANSWER_SEGMENTS = 3  # an automatic answer longer than this is unreadable on a phone (and costly)
MAX_PHRASINGS = 50

# Texting shorthand and spelling variants, spelled out before matching.
_SHORTHAND = {
	"u": "you",
	"ya": "you",
	"yall": "you",
	"ur": "your",
	"yr": "your",
	"r": "are",
	"wat": "what",
	"wut": "what",
	"whats": "what",
	"hrs": "hours",
	"hr": "hours",
	"hour": "hours",
	"horas": "horario",
	"horarios": "horario",
	"addy": "address",
	"adress": "address",
	"addres": "address",
	"adres": "address",
	"located": "location",
	"locations": "location",
	"park": "parking",
	"parked": "parking",
	"lot": "parking",
	"garage": "parking",
	"estacionar": "estacionamiento",
	"estaciono": "estacionamiento",
	"estacionarme": "estacionamiento",
	"parqueo": "estacionamiento",
	"parquear": "estacionamiento",
	"ph": "phone",
	"phn": "phone",
	"telephone": "phone",
	"tel": "telefono",
	"insurances": "insurance",
	"ins": "insurance",
	"dentist": "",
	"opened": "open",
	"opening": "open",
	"opens": "open",
	"closing": "close",
	"closes": "close",
	"closed": "close",
	"abiertos": "abren",
	"abierto": "abren",
	"abre": "abren",
	"cierra": "cierran",
	"cleanings": "cleaning",
	"whiten": "whitening",
	"whitened": "whitening",
	"llamar": "llamo",
	"llamarles": "llamo",
	"llamarlos": "llamo",
	"costs": "cost",
	"price": "cost",
	"prices": "cost",
	"pricing": "cost",
	"charge": "cost",
	"take": "accept",
	"takes": "accept",
	"taking": "accept",
	"accepts": "accept",
	"accepted": "accept",
	"accepting": "accept",
	"aceptan": "aceptan",
	"toman": "aceptan",
	"cuesta": "cuesta",
	"cuestan": "cuesta",
	"precio": "cuesta",
	"cobran": "cuesta",
}

# Words that carry no topic: greetings, courtesies, pronouns, auxiliaries, articles; English and Spanish.
_FILLER = frozenset(
	"""
	hi hello hey hiya yo good morning afternoon evening quick question questions ask asking wondering wonder
	please pls plz thanks thank thx ty so just um umm uh oh ok okay well also and or but the a an to of for in
	on at by with from about is are am was were be been being do does did can could would will should shall
	may might i me my we us our you your it its this that there here they them their what when where how
	which who whom why if any some get got have has had need want know tell let like go going guys yall
	still again ever really actually currently now today right office clinic practice place send text give
	tell share remind
	hola buenas buenos dias tardes noches gracias por favor porfa una un el la los las de del al que me
	mi su sus es son esta estan hay tienen tiene puedo puede pueden para en con y o cual cuales como donde
	cuando quisiera saber pregunta mandar enviar dar decir recordar
	""".split()
)
# Words that decide a topic even though they are question words.
_KEEP = frozenset({"where", "when", "donde", "cuando"})
# Details that narrow a question without changing its topic ("are you open *on Saturdays*", "parking
# *nearby*"): left out of the comparison, so they neither help nor hurt.
_DETAIL = frozenset(
	"""
	monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays friday fridays saturday saturdays
	sunday sundays weekday weekdays weekend weekends today tomorrow tonight week month morning mornings
	afternoon afternoons evening evenings night late early until anymore exactly nearby same front desk
	lunes martes miercoles jueves viernes sabado sabados domingo domingos hoy manana semana tarde temprano
	""".split()
)
# Phrases that mean one topic word, rewritten before the words are split.
_PHRASES = (
	(
		re.compile(r"\bget (?:there|here|to (?:you|your|the|ur) ?(?:office|clinic|place|location)?)\b"),
		"directions",
	),
	(re.compile(r"\bin ?network\b"), "accept"),
	(re.compile(r"\bhow much\b"), "cost"),
)
_EXTRA_WORD_PENALTY = 15.0  # per word of the question the phrasing does not have (see FaqIndex.scores)
_SAME_WORD = 80.0  # two spellings this close are one word ("whitened", "whitening"; "parkng", "parking")

_PLACEHOLDER = re.compile(r"\[[^\]\n]{1,80}\]")
_JINJA = re.compile(r"\{\{|\{%|\{#")
_TERM_RE = re.compile("|".join(re.escape(t) for t in CLINICAL_TERMS), re.IGNORECASE)


@dataclass(frozen=True)
class FaqEntry:
	id: str
	phrasings: tuple[str, ...]
	answer: str


@dataclass(frozen=True)
class FaqMatch:
	id: str
	score: float  # 0-100
	answer: str

	@property
	def clear(self) -> bool:
		return self.score >= CLEAR_THRESHOLD


@dataclass
class AnswerCheck:
	errors: list[str] = field(default_factory=list)
	warnings: list[str] = field(default_factory=list)

	@property
	def ok(self) -> bool:
		return not self.errors


def content_words(text: object) -> str:
	"""The words of a question that say what it is about, in a canonical spelling."""
	_text, flat = normalize(text)
	for pattern, replacement in _PHRASES:
		flat = pattern.sub(replacement, flat)
	words = []
	for word in flat.split(" ") if flat else ():
		word = _SHORTHAND.get(word, word)
		if word and word not in _DETAIL and (word in _KEEP or word not in _FILLER):
			words.append(word)
	return " ".join(words)


class FaqIndex:
	"""The enabled answers, with their phrasings reduced once (build one per settings version, not per text)."""

	def __init__(self, entries: Iterable[FaqEntry]):
		self.entries = tuple(entries)
		self._phrasings: list[tuple[str, FaqEntry]] = []
		for entry in self.entries:
			for phrasing in entry.phrasings:
				words = content_words(phrasing)
				if words:
					self._phrasings.append((words, entry))

	def __bool__(self) -> bool:
		return bool(self._phrasings)

	def match(self, text: object) -> FaqMatch | None:
		"""The best answer at or above NEAR_THRESHOLD, or None."""
		scored = self.scores(text)
		if not scored:
			return None
		entry, score = scored[0]
		if score < NEAR_THRESHOLD:
			return None
		return FaqMatch(entry.id, score, entry.answer)

	def scores(self, text: object) -> list[tuple[FaqEntry, float]]:
		"""Every entry with its best phrasing's score, best first (for measuring and for the desk)."""
		query = content_words(text)
		if not query:
			return []
		query_words = list(dict.fromkeys(query.split(" ")))
		if len(query_words) > MAX_QUESTION_WORDS:
			return []
		query = " ".join(query_words)
		best: dict[str, tuple[FaqEntry, float]] = {}
		for words, entry in self._phrasings:
			score = _score(query, query_words, words)
			if entry.id not in best or score > best[entry.id][1]:
				best[entry.id] = (entry, score)
		return sorted(best.values(), key=lambda pair: -pair[1])


def _score(query: str, query_words: list[str], phrasing: str) -> float:
	"""token_set_ratio, less a penalty for each word of the question the phrasing has no spelling of.

	token_set_ratio alone scores 100 whenever the phrasing's words are a subset of the question's, so the
	phrasing "where" would answer "where did you get my number?" with the address. The penalty keeps such
	questions below the clear threshold while "where are you located?" still matches fully."""
	phrasing_words = phrasing.split(" ")
	extra = sum(1 for word in query_words if not any(_same_word(word, other) for other in phrasing_words))
	if extra == len(query_words):
		return 0.0  # not one word in common: "all good" is not "call"
	score = fuzz.token_set_ratio(query, phrasing)
	return max(0.0, float(score) - _EXTRA_WORD_PENALTY * extra)


def _same_word(word: str, other: str) -> bool:
	"""One word, allowing a typo in words of five letters or more ("parkng"); short words must be equal."""
	if word == other:
		return True
	return min(len(word), len(other)) >= 5 and fuzz.ratio(word, other) >= _SAME_WORD


def as_index(faq: FaqIndex | Sequence[FaqEntry] | None) -> FaqIndex | None:
	if faq is None or isinstance(faq, FaqIndex):
		return faq
	return FaqIndex(faq)


def phrasings(question: str | None) -> tuple[str, ...]:
	"""A Win-Back Answer's `question` field: one example phrasing a line, blanks dropped."""
	return tuple(line.strip() for line in (question or "").splitlines() if line.strip())


def check_answer(question: str | None, answer: str | None, *, enabled: bool = True) -> AnswerCheck:
	"""Checks a Win-Back Answer before it is saved: the same rules as an SMS template (no clinical words, a
	readable length) plus its own (at least one phrasing, no template syntax, no placeholder left when
	enabled). A phrasing that names a clinical sign is a warning: texts like it always go to a person."""
	from winback_app.engine.triage import triage

	result = AnswerCheck()
	lines = phrasings(question)
	if not lines:
		result.errors.append("Write at least one example question, one per line.")
	elif len(lines) > MAX_PHRASINGS:
		result.errors.append(f"Keep to {MAX_PHRASINGS} example questions or fewer.")
	for line in lines:
		if not content_words(line):
			result.errors.append(f'"{line[:60]}" has no words that say what it is about.')
		finding = triage(normalize(line)[0])
		if finding:
			result.warnings.append(
				f'"{line[:60]}" names something only a person answers ({finding.level.lower()}: '
				f'"{finding.matched}"); texts like it are never answered automatically.'
			)
	text = (answer or "").strip()
	if not text:
		result.errors.append("The answer is empty.")
		return result
	if _JINJA.search(text):
		result.errors.append("Answers are sent as written: replace {{ ... }} with the words themselves.")
	terms = sorted({m.group(0).lower() for m in _TERM_RE.finditer(text)})
	if terms:
		result.errors.append(
			"Clinical words are not allowed in automatic answers: {}. A person answers clinical "
			"questions.".format(", ".join(terms))
		)
	if enabled and _PLACEHOLDER.search(text):
		result.errors.append(
			f"Replace {_PLACEHOLDER.search(text).group(0)} with the practice's own details before enabling this answer."
		)
	size = sms_size(text)
	if size.segments > MAX_ANSWER_SEGMENTS:
		result.errors.append(
			f"This answer is {size.characters} characters: {size.segments} SMS segments. Keep it to "
			f"{MAX_ANSWER_SEGMENTS} (about {MAX_ANSWER_SEGMENTS * 153} characters, or "
			f"{MAX_ANSWER_SEGMENTS * 67} with emoji or accents)."
		)
	elif size.encoding == "UCS-2":
		result.warnings.append(
			f"A character in this answer (an emoji or accent) switches it to UCS-2: {size.characters} "
			f"characters cost {size.segments} segment(s) of 70."
		)
	elif size.segments > 1:
		result.warnings.append(f"This answer is {size.characters} characters: {size.segments} SMS segments.")
	return result


# --- The shipped examples (disabled until a manager reviews them).


@dataclass(frozen=True)
class ExampleAnswer:
	title: str
	question: str  # example phrasings, one a line (the doctype's field)
	answer: str


EXAMPLE_PHRASINGS = {
	"Opening hours": (
		"What are your hours?",
		"When are you open?",
		"What time do you open?",
		"What time do you close?",
		"Are you open on Saturday?",
		"Are you open today?",
		"When do you close?",
		"Office hours?",
		"Hours?",
		"¿Cuál es su horario?",
		"¿A qué hora abren?",
		"¿A qué hora cierran?",
		"¿Están abiertos hoy?",
	),
	"Address": (
		"What is your address?",
		"Where are you located?",
		"Where is the office?",
		"Where are you?",
		"How do I get there?",
		"Directions?",
		"Address?",
		"¿Cuál es la dirección?",
		"¿Dónde están ubicados?",
		"¿Dónde queda la clínica?",
	),
	"Phone number": (
		"What is your phone number?",
		"What number can I call?",
		"How do I call you?",
		"Can I call the office?",
		"Phone number?",
		"¿Cuál es su número de teléfono?",
		"¿A qué número llamo?",
	),
	"Parking": (
		"Is there parking?",
		"Where do I park?",
		"Do you have parking?",
		"Is parking free?",
		"Parking?",
		"¿Hay estacionamiento?",
		"¿Dónde me estaciono?",
		"¿Dónde puedo estacionar?",
	),
}


def example_answers(
	*,
	practice_name: str | None,
	practice_phone: str | None,
	practice_address: str | None,
	hours: str | None = None,
	parking: str | None = None,
) -> list[ExampleAnswer]:
	"""The example answers a new site ships with (disabled), filled from Win-Back Settings. A detail the
	settings do not have yet is left as a [bracketed] placeholder, which check_answer refuses once enabled."""
	practice = _one_line(practice_name) or "We"
	phone = _one_line(practice_phone) or "[practice phone]"
	address = _one_line(practice_address) or "[street address, city]"
	hours_text = _one_line(hours) or "[Monday-Friday 8am-5pm]"
	parking_text = _one_line(parking) or "[Free parking behind the building.]"
	subject = practice if practice != "We" else "We"
	answers = {
		"Opening hours": f"{subject} {'is' if subject != 'We' else 'are'} open {hours_text}. Questions? Call {phone}.",
		"Address": f"{subject} {'is' if subject != 'We' else 'are'} at {address}. Questions? Call {phone}.",
		"Phone number": f"You can call {practice if practice != 'We' else 'us'} at {phone}.",
		"Parking": f"{parking_text} Questions? Call {phone}.",
	}
	return [
		ExampleAnswer(title, "\n".join(EXAMPLE_PHRASINGS[title]), answers[title])
		for title in EXAMPLE_PHRASINGS
	]


def _one_line(value: str | None) -> str:
	return " ".join((value or "").split()).strip(" ,")
