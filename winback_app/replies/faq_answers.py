"""The practice's answers to common questions, for the replies: read once into the engine's FaqIndex, and seeded.

enabled_index() is what the webhook passes to engine.replies.understand(faq=...): the enabled Win-Back Answer
rows, read with one query and kept in the site cache until an answer is saved or deleted (the doctype clears
it), turned into a FaqIndex once per worker process. seed_example_answers() inserts the shipped examples,
disabled, filled from Win-Back Settings. Decisions (matching, checks, the examples' wording) live in
engine/faq.py; this module only reads and writes.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from winback_app.engine.faq import FaqEntry, FaqIndex, example_answers, phrasings
from winback_app.settings import get_settings

CACHE_KEY = "winback_enabled_answers"
_indexes: dict[tuple, FaqIndex] = {}  # per worker: building the index costs ~0.1 ms per phrasing

Answer = DocType("Win-Back Answer")


def enabled_entries() -> tuple[FaqEntry, ...]:
	return frappe.cache.get_value(CACHE_KEY, generator=_read_enabled)


def enabled_index() -> FaqIndex | None:
	"""The enabled answers as a FaqIndex, or None when there are none (the matcher is then skipped)."""
	entries = enabled_entries()
	if not entries:
		return None
	key = (frappe.local.site, entries)
	index = _indexes.get(key)
	if index is None:
		if len(_indexes) > 32:
			_indexes.clear()
		index = _indexes[key] = FaqIndex(entries)
	return index


def clear_cache() -> None:
	frappe.cache.delete_value(CACHE_KEY)


def _read_enabled() -> tuple[FaqEntry, ...]:
	rows = (
		frappe.qb.from_(Answer)
		.select(Answer.name, Answer.question, Answer.answer)
		.where(Answer.enabled == 1)
		.orderby(Answer.name)
		.run(as_dict=True)
	)
	return tuple(
		FaqEntry(row.name, phrasings(row.question), (row.answer or "").strip())
		for row in rows
		if phrasings(row.question) and (row.answer or "").strip()
	)


def seed_example_answers() -> int:
	"""Insert the shipped example answers that are missing (by title), disabled; returns how many.

	Call it from install.after_install and from one patch (patches run once), not from after_migrate: an
	example a manager deleted must not come back on every migrate. Opening hours and parking come from Win-Back
	Settings fields `practice_hours` and `practice_parking` when the site has them; otherwise the example
	keeps a [bracketed] placeholder, which the doctype refuses to enable until it is replaced."""
	settings = get_settings()
	examples = example_answers(
		practice_name=settings.get("practice_name"),
		practice_phone=settings.get("practice_phone"),
		practice_address=settings.get("practice_address"),
		hours=settings.get("practice_hours"),
		parking=settings.get("practice_parking"),
	)
	existing = set(frappe.get_all("Win-Back Answer", pluck="title"))
	inserted = 0
	for example in examples:
		if example.title in existing:
			continue
		frappe.get_doc(
			{
				"doctype": "Win-Back Answer",
				"title": example.title,
				"question": example.question,
				"answer": example.answer,
				"enabled": 0,
			}
		).insert(ignore_permissions=True)
		inserted += 1
	return inserted
