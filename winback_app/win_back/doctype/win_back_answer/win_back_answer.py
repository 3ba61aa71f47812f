"""Win-Back Answer: an answer to a common question, checked before it is saved. Matching lives in engine/faq.py."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from winback_app.engine.faq import check_answer, phrasings


class WinBackAnswer(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		answer: DF.SmallText
		enabled: DF.Check
		question: DF.SmallText
		title: DF.Data | None
	# end: auto-generated types

	def validate(self):
		self.title = (self.title or "").strip() or (phrasings(self.question) or ("",))[0][:140]
		check = check_answer(self.question, self.answer, enabled=bool(self.enabled))
		# The messages quote the manager's own phrasings: escaped, as everything typed is.
		if check.errors:
			frappe.throw(
				"<br>".join(escape_html(error) for error in check.errors),
				title=_("This answer cannot be saved yet"),
			)
		if check.warnings:
			frappe.msgprint(
				"<br>".join(escape_html(warning) for warning in check.warnings),
				title=_("Please review"),
				indicator="orange",
			)

	def on_update(self):
		_forget_enabled_answers()

	def on_trash(self):
		_forget_enabled_answers()


def _forget_enabled_answers():
	from winback_app.replies.faq_answers import clear_cache

	# Now, and again once committed: a webhook reading between the two must not keep the old answers.
	clear_cache()
	frappe.db.after_commit.add(clear_cache)
