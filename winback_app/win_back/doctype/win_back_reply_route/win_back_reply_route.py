"""Win-Back Reply Route: one category -> a user or a role (child table of Win-Back Settings). No logic here:
engine/routing.py decides who a reply reaches."""

from frappe.model.document import Document


class WinBackReplyRoute(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		category: DF.Literal[
			"Booking",
			"Question",
			"Clinical",
			"Urgent",
			"Complaint",
			"Billing",
			"Not Now",
			"Leaving",
			"Opt-Out",
			"Opt-In",
			"Help",
			"Wrong Number",
			"FAQ",
			"Other",
		]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		role: DF.Link | None
		user: DF.Link | None
	# end: auto-generated types

	pass
