"""Cadence Touch: one step of a campaign's cadence. Checked by its parent Campaign Segment."""

from frappe.model.document import Document


class CadenceTouch(Document):
	pass
