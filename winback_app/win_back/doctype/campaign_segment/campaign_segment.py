"""Campaign Segment: checks a manager's campaign before it is saved. Detection and sending live elsewhere."""

import frappe
from frappe import _
from frappe.model.document import Document

from winback_app.engine.segments import validate_segment
from winback_app.segments import segment_spec


class CampaignSegment(Document):
	def validate(self):
		self.touches.sort(key=lambda t: t.day_offset)
		for index, touch in enumerate(self.touches, start=1):
			touch.idx = index
		check = validate_segment(segment_spec(self))
		if check.errors:
			frappe.throw("<br>".join(check.errors), title=_("This campaign cannot be saved yet"))
		if check.warnings:
			frappe.msgprint("<br>".join(check.warnings), title=_("Please review"), indicator="orange")
