"""Win-Back Offered Time: one concrete time sent to a patient in a text conversation (child of Win-Back Conversation)."""

from frappe.model.document import Document


class WinBackOfferedTime(Document):
	pass
