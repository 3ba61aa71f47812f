"""Campaign Segment Filter: limits a campaign to given appointment types, procedures, departments or practitioners,
therapy plan templates (med spa series, unfinished plans) or subscription plans (memberships)."""

from frappe.model.document import Document


class CampaignSegmentFilter(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		filter_doctype: DF.Literal[
			"Appointment Type",
			"Clinical Procedure Template",
			"Medical Department",
			"Healthcare Practitioner",
			"Therapy Plan Template",
			"Subscription Plan",
		]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		value: DF.DynamicLink
	# end: auto-generated types

	pass
