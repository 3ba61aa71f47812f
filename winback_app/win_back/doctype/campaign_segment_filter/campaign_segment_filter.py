"""Campaign Segment Filter: limits a campaign to given appointment types, procedures, departments or practitioners."""

from frappe.model.document import Document


class CampaignSegmentFilter(Document):
	pass
