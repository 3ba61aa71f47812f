"""A patient's text in the forms the reply readers compare against. Standard library only; no I/O.

normalize() gives two forms: `text` keeps punctuation (for clause boundaries, "?" and keyword set off by
punctuation) and `flat` is the words only. Both are case-folded and accent-free, with apostrophes dropped, so
"Don't" reads "dont", "Sí" reads "si" and "falleció" reads "fallecio". A trailing "Sent from my iPhone" line is
dropped. clauses() cuts the text where a negation stops reaching: "no pain, but my gums bleed" is two clauses.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "'": "", "`": "", "\u00b4": "", "\u02bc": ""})
WORD = re.compile(r"[^\W_]+")
_SIGNATURE = re.compile(
	r"(?:^|\n)\s*(?:--\s*)?(?:sent from my|sent from (?:yahoo|outlook|gmail)|enviado desde mi|get outlook for)"
	r"[^\n]*$"
)
_WRONG_HASH = re.compile(r"\bwrong\s*#")
# Where one statement ends and the next begins, for negation: punctuation, line breaks, emoji and "but".
_CLAUSE_BREAK = re.compile(
	r"[.!?;:\n\u00bf\u00a1,()\u2014\u2013]+|\s-\s|\s(?:but|pero|though|although|however|except|sino|aunque)\s"
	r"|[\U0001F000-\U0001FFFF\u2600-\u27BF]"
)


def normalize(body: object) -> tuple[str, str]:
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
	return text, flatten(text)


def flatten(text: str) -> str:
	return " ".join(WORD.findall(text))


def clauses(text: str) -> list[str]:
	"""The flat form of each clause of an already normalized text, empty ones left out."""
	return [flat for flat in (flatten(part) for part in _CLAUSE_BREAK.split(text)) if flat]
