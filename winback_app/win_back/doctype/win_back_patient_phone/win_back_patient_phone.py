"""Win-Back Patient Phone: a derived lookup row (patient, E.164). Written only by winback_app.contacts.phones."""

from frappe.model.document import Document


class WinBackPatientPhone(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		patient: DF.Link
		phone: DF.Data | None
		raw: DF.Data | None
		source: DF.Literal["Mobile", "Phone"]
	# end: auto-generated types

	pass


def on_doctype_update():
	import frappe

	frappe.db.add_unique(
		"Win-Back Patient Phone", ["patient", "source"], constraint_name="unique_patient_source"
	)
	# Detection reads every patient's mobile: a covering index answers it without touching the rows.
	frappe.db.add_index("Win-Back Patient Phone", ["source", "patient", "phone"])
