"""Win-Back Contact Attempt: the outbox row for one touch of one lapse. Written by the dispatcher only."""

from frappe.model.document import Document


class WinBackContactAttempt(Document):
	pass
