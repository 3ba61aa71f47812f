"""Replies recorded before they had a title of their own: the title is their category and the last four digits of
the number (engine.phone.reply_title), set-based. Until now the title was the whole number, which frappe put in
assignment e-mails and notifications."""

from pypika.functions import NullIf
from pypika.terms import CustomFunction

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Concat, IfNull

Right = CustomFunction("RIGHT", ["text", "length"])


def execute():
	Reply = DocType("Win-Back SMS Reply")
	category = IfNull(NullIf(Reply.category, ""), "Text")
	untitled = Reply.title.isnull() | (Reply.title == "")
	(
		frappe.qb.update(Reply)
		.set(Reply.title, Concat(category, ", from ...", Right(Reply.from_number, 4)))
		.where(untitled)
		.where(Reply.from_number.like("+%"))
	).run()
	frappe.qb.update(Reply).set(Reply.title, category).where(untitled).run()
