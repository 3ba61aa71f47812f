"""Text a stranger typed (an SMS body, words of an opt-out), made inert for storage. No I/O.

frappe treats the value of a Data, Text or Text Editor field as HTML: the desk shows read-only text fields,
list cells and the timeline's Communication content without escaping them, and frappe's own sanitizer only runs
on a document save, never on the bulk INSERTs the inbox writes. So what a patient typed is stored as the HTML
of that text: `&`, `<` and `>` escaped (quotes are left alone: they mean nothing in an HTML text node, and a
patient's "I'm" stays readable in exports), newlines as <br> where the field is rich text. Whatever renders it
later, with or without escaping, shows the words and runs nothing.

Spreadsheets are the other place it lands: the desk exports lists to CSV and XLSX, and a cell that begins with
= + - @ (or a tab or carriage return, which Excel skips before looking) is read as a formula. Such text is
stored with a leading apostrophe, the mark spreadsheets themselves use for "this is text" (OWASP's advice). An
apostrophe is ASCII and visible: no export path strips it (frappe's XLSX export already strips some invisible
characters, so a zero-width prefix could silently vanish), and staff can see why it is there.
"""

from __future__ import annotations

import html

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# frappe.utils.escape_html's table: for a value the desk may also put in an attribute (a sender's name).
_ESCAPES_WITH_QUOTES = {**_ESCAPES, '"': "&quot;", "'": "&apos;"}


def needs_formula_guard(text: str) -> bool:
	"""Would a spreadsheet read this cell as a formula? Leading whitespace is looked through: exports turn
	<br> and newlines into spaces and spreadsheets trim some of it."""
	if not text:
		return False
	if text[0] in FORMULA_TRIGGERS:
		return True
	rest = text.lstrip()
	return bool(rest) and rest[0] in FORMULA_TRIGGERS


def formula_guard(text: str | None) -> str:
	"""The text, with a leading apostrophe when a spreadsheet would read it as a formula. Idempotent."""
	text = text or ""
	return "'" + text if needs_formula_guard(text) else text


def escape(text: str, limit: int | None = None, quotes: bool = False) -> str:
	"""HTML-escape & < > (and " ' with quotes, as frappe.utils.escape_html does); with a limit, as much of the text
	as fits escaped in `limit` characters (an entity is never cut in half, and a varchar column never overflows:
	escaping first and cutting after can cut an entity, cutting first and escaping after can overflow)."""
	table = _ESCAPES_WITH_QUOTES if quotes else _ESCAPES
	if limit is None:
		return (
			"".join(table.get(ch, ch) for ch in text)
			if quotes
			else (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
		)
	out, size = [], 0
	for ch in text:
		piece = table.get(ch, ch)
		if size + len(piece) > limit:
			break
		out.append(piece)
		size += len(piece)
	return "".join(out)


def _normalize_newlines(text: str) -> str:
	return text.replace("\r\n", "\n").replace("\r", "\n")


def as_text(text: str | None, limit: int | None = None) -> str:
	"""For a plain text field (Data, Small/Long Text, Code) that the desk may show as HTML: escaped, guarded."""
	text = text or ""
	guarded = formula_guard(text)
	return escape(guarded, limit)


def as_html(text: str | None) -> str:
	"""For a rich text field (a Communication's content): escaped, guarded, each newline a <br>."""
	return escape(formula_guard(_normalize_newlines(text or ""))).replace("\n", "<br>")


FIRST_NAME_LIMIT = 40
_NAME_PUNCTUATION = {"-": "-", "'": "'", ".": ".", "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"}


def display_first_name(name: str | None, limit: int = FIRST_NAME_LIMIT) -> str:
	"""A first name fit to show a guest or put in a text: letters, spaces and - ' . only, at most `limit`
	characters, and never two words joined by a dot. Anyone can type a patient's name (the host's public
	registration form), so markup, digits, links and emoji never reach a page or an SMS through it; entities a
	sanitizer stored are read first."""
	text = html.unescape(html.unescape(name or ""))
	kept = "".join(
		ch if ch.isalpha() else _NAME_PUNCTUATION.get(ch, " ")
		for ch in text
		if ch.isalpha() or not ch.isalnum()
	)
	# "evil.example" would be a link in a phone's messages app: a dot is always followed by a space.
	words = " ".join(kept.replace(".", ". ").split())
	return words[:limit].strip(" -'.")
