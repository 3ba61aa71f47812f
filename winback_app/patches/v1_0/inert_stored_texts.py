"""Texts patients sent before they were stored inert: escape the markup in them, guard formula openers.

Replies, opt-out words and the app's own Communications written by earlier versions hold the raw text. Rows
written since are already escaped (no < or >, save a Communication's <br>) and guarded (a leading
apostrophe), so this touches only old rows and running it again changes nothing.
"""

import frappe
from frappe.query_builder import DocType

from winback_app.engine.untrusted import as_html, as_text, formula_guard, needs_formula_guard
from winback_app.infra import bulk

OPENERS = ("=%", "+%", "-%", "@%", "\t%", "\r%", " %", "\n%")


def _candidates(table, field):
	column = table[field]
	matches = column.like("%<%") | column.like("%>%")
	for opener in OPENERS:
		matches = matches | column.like(opener)
	return matches


def _plain(value: str, limit: int | None = None) -> str | None:
	"""The inert form of an old plain-text value, or None when it is inert already."""
	if "<" in value or ">" in value:
		return as_text(value, limit)
	if needs_formula_guard(value):
		return formula_guard(value)[: limit or None]
	return None


def execute():
	Reply = DocType("Win-Back SMS Reply")
	updates = {}
	for name, body in (
		frappe.qb.from_(Reply).select(Reply.name, Reply.body).where(_candidates(Reply, "body")).run()
	):
		fixed = _plain(body or "")
		if fixed is not None:
			updates[name] = {"body": fixed}
	bulk.update_dicts("Win-Back SMS Reply", updates, update_modified=False)

	OptOut = DocType("Win-Back SMS Opt-Out")
	updates = {}
	for name, words in (
		frappe.qb.from_(OptOut).select(OptOut.name, OptOut.words).where(_candidates(OptOut, "words")).run()
	):
		fixed = _plain(words or "", 140)
		if fixed is not None:
			updates[name] = {"words": fixed}
	bulk.update_dicts("Win-Back SMS Opt-Out", updates, update_modified=False)

	Communication = DocType("Communication")
	updates = {}
	rows = (
		frappe.qb.from_(Communication)
		.select(Communication.name, Communication.content)
		.where(Communication.reference_doctype.isin(("Patient Lapse", "Win-Back SMS Reply")))
		.where(Communication.communication_medium.isin(("SMS", "Email")))
		.where(_candidates(Communication, "content"))
		.run()
	)
	for name, content in rows:
		content = content or ""
		markup = content.replace("<br>", "")
		if "<" in markup or ">" in markup or needs_formula_guard(content):
			updates[name] = {"content": as_html(content), "text_content": as_text(content)}
	bulk.update_dicts("Communication", updates, update_modified=False)
