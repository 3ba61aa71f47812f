"""Sites installed before issue 14: the default reply routes and the example answers (disabled), once; and a
category for the replies recorded before categories existed, read from their intent."""

import frappe
from frappe.query_builder import DocType

from winback_app.install import seed_once

# The older intent of a reply -> its category (engine.replies.CATEGORIES). A question stays a Question: what it
# asked was never triaged, and a person has read it already.
CATEGORY_OF_INTENT = {
	"Stop": "Opt-Out",
	"Start": "Opt-In",
	"Help": "Help",
	"Book": "Booking",
	"Choice": "Booking",
	"Later": "Not Now",
	"Wrong Number": "Wrong Number",
	"Leaving": "Leaving",
	"Question": "Question",
}


def execute():
	seed_once()
	Reply = DocType("Win-Back SMS Reply")
	for intent, category in CATEGORY_OF_INTENT.items():
		(
			frappe.qb.update(Reply)
			.set(Reply.category, category)
			.where(Reply.intent == intent)
			.where(Reply.category.isnull() | (Reply.category == ""))
		).run()
