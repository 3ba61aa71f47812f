"""Campaign Segment: checks a manager's campaign before it is saved. Detection and sending live elsewhere."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, escape_html

from winback_app.engine.segments import validate_segment
from winback_app.segments import INTAKE_DAYS, segment_spec
from winback_app.settings import consent_policy_chosen


class CampaignSegment(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from winback_app.win_back.doctype.cadence_touch.cadence_touch import CadenceTouch
		from winback_app.win_back.doctype.cadence_touch_translation.cadence_touch_translation import (
			CadenceTouchTranslation,
		)
		from winback_app.win_back.doctype.campaign_segment_filter.campaign_segment_filter import (
			CampaignSegmentFilter,
		)

		allow_clinical_detail: DF.Check
		daily_intake_cap: DF.Int
		description: DF.SmallText | None
		enabled: DF.Check
		fall_back_to_email: DF.Check
		filters: DF.Table[CampaignSegmentFilter]
		holdout_percent: DF.Percent
		intake_friday: DF.Check
		intake_monday: DF.Check
		intake_saturday: DF.Check
		intake_sunday: DF.Check
		intake_thursday: DF.Check
		intake_tuesday: DF.Check
		intake_wednesday: DF.Check
		max_days: DF.Int
		min_days: DF.Int
		pace_horizon_days: DF.Int
		pace_slots_per_patient: DF.Float
		priority: DF.Int
		reentry_cooldown_days: DF.Int
		rule_kind: DF.Literal[
			"Recall Window",
			"Unfinished Treatment",
			"Unfinished Therapy Plan",
			"Med Spa Maintenance",
			"Missed Appointment",
			"New Patient Never Booked",
			"Lapsed Membership",
			"Annual Check-in",
		]
		segment_name: DF.Data
		touches: DF.Table[CadenceTouch]
		translations: DF.Table[CadenceTouchTranslation]
	# end: auto-generated types

	def validate(self):
		if self.enabled and not consent_policy_chosen():
			frappe.throw(
				_(
					'Choose who may get texts and emails first: Win-Back Settings > Sending > "Texts and emails go '
					'to". The form explains both choices.'
				),
				title=_("Consent policy not chosen"),
			)
		steps = {(cint(t.day_offset), t.channel) for t in self.touches}
		strays = sorted(
			(cint(r.day_offset), r.channel, r.language)
			for r in self.translations
			if (cint(r.day_offset), r.channel) not in steps
		)
		if strays:
			frappe.throw(
				_("Messages in other languages: no step is on day {0} by {1} ({2}).").format(*strays[0]),
				title=_("This campaign cannot be saved yet"),
			)
		if not any(self.get(f"intake_{day}") for day in INTAKE_DAYS):
			frappe.throw(
				_("Pace: choose at least one day the campaign takes new patients on."),
				title=_("This campaign cannot be saved yet"),
			)
		self.touches.sort(key=lambda t: t.day_offset)
		for index, touch in enumerate(self.touches, start=1):
			touch.idx = index
		# Templates are test-rendered here under the same bounds as at send time (engine/templates: a loop, a
		# text over 1,600 characters or a slow render is refused), with the values the sender's own context
		# builder makes (this practice's name and phone, a sample patient's facts). Messages may quote the
		# template: escaped.
		from winback_app.sending.render import sample_context
		from winback_app.settings import get_settings

		check = validate_segment(segment_spec(self), context=sample_context(get_settings()))
		if check.errors:
			frappe.throw(
				"<br>".join(escape_html(e) for e in check.errors),
				title=_("This campaign cannot be saved yet"),
			)
		warnings = [escape_html(w) for w in check.warnings]
		if self.enabled and not get_settings().booking_appointment_type:
			# Part of first configuration (README): without it a patient who never had a typed appointment, every
			# new patient, cannot book from the link.
			warnings.append(
				_(
					"Set Win-Back Settings > Booking & Replies > Appointment type for online bookings: until then a "
					"patient who never had a typed appointment (a new patient) cannot book from the link."
				)
			)
		if warnings:
			frappe.msgprint("<br>".join(warnings), title=_("Please review"), indicator="orange")

	@frappe.whitelist()
	def planned_messages(self) -> int:
		"""How many of this campaign's messages are planned and not yet sent (asked when it is switched off)."""
		self.check_permission("write")
		return frappe.db.count("Win-Back Contact Attempt", {"segment": self.name, "status": "Scheduled"})

	@frappe.whitelist(methods=["POST"])
	def cancel_planned_messages(self) -> int:
		"""The manager chose to cancel the planned messages of a campaign they switched off."""
		self.check_permission("write")
		if frappe.db.get_value("Campaign Segment", self.name, "enabled"):
			frappe.throw(_("Switch the campaign off before cancelling its planned messages."))
		from winback_app.lapses.lifecycle import cancel_campaign_planned

		return cancel_campaign_planned(self.name, "Campaign switched off")
