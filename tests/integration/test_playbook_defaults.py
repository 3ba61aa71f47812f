"""The playbook on a real site: a step's own time of day planned on the patient's clock, a member who renewed
is not told their membership lapsed, and (with the shipped defaults) the rescue that texts at once and once
more the next morning, and the patch that brings an existing site's untouched campaigns up to date."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate

from winback_app.detection.rescue import rescue_missed_appointments as rescue
from winback_app.detection.run import detect_lapses
from winback_app.lapses.outcomes import RENEWED, poll_outcomes

from . import factories as f
from .base import WinBackTestCase

# The system time zone of the test site is America/New_York; a Wednesday.
WEDNESDAY_1020 = datetime(2026, 11, 18, 10, 20)


def due_times(lapse: str) -> dict[int, datetime]:
	return dict(
		frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse},
			fields=["day_offset", "due_at"],
			as_list=True,
		)
	)


class PlaybookCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings(default_time_zone="America/New_York")


class TestStepTime(PlaybookCase):
	def test_a_rescue_texts_at_once_and_the_follow_up_waits_for_the_next_morning(self):
		f.segment(
			"T Rescue Steps",
			"Missed Appointment",
			priority=1,
			touches=[
				{
					"day_offset": 1,
					"channel": "SMS",
					"template": "{{ first_name }}: {{ booking_link }} {{ opt_out_text }}",
				},
				{
					"day_offset": 2,
					"channel": "SMS",
					"send_at": "09:30",
					"template": "{{ first_name }}, still here: {{ booking_link }}",
				},
			],
		)
		p = f.patient(winback_time_zone="America/New_York")
		f.past_appointment(p, 0, status="Open", at=WEDNESDAY_1020 - timedelta(minutes=20))
		rescue(WEDNESDAY_1020)
		[lapse] = f.lapses_of(p)
		due = due_times(lapse.name)
		self.assertEqual(due[1], WEDNESDAY_1020, "the text goes at once, 20 minutes after the missed start")
		self.assertEqual(
			due[2], datetime(2026, 11, 19, 9, 30), "the follow-up the next morning, not at 10:20"
		)


class TestRenewedMembers(PlaybookCase):
	def active_subscription(self, patient: str) -> str:
		customer = frappe.db.get_value("Patient", patient, "customer")
		return f._insert(
			"Subscription",
			{
				**f._row_common("Subscription"),
				"docstatus": 0,
				"party_type": "Customer",
				"party": customer,
				"status": "Active",
				"start_date": add_days(getdate(), -3),
				"company": f.company(),
			},
		)

	def test_a_member_who_renewed_is_dropped_and_one_who_did_not_stays(self):
		f.segment("T Members", "Lapsed Membership", min_days=0, max_days=60)
		renewed, gone = f.patient(), f.patient()
		for p in (renewed, gone):
			f.cancelled_membership(p, 20)
		detect_lapses()
		[renewed_lapse] = f.lapses_of(renewed)
		[gone_lapse] = f.lapses_of(gone)
		self.active_subscription(renewed)
		result = poll_outcomes()
		self.assertEqual(result["renewed"], 1)
		row = frappe.db.get_value(
			"Patient Lapse", renewed_lapse.name, ["status", "closed_reason"], as_dict=True
		)
		self.assertEqual((row.status, row.closed_reason), ("Closed", RENEWED))
		self.assertEqual(
			frappe.get_all(
				"Win-Back Contact Attempt",
				filters={"lapse": renewed_lapse.name, "status": "Scheduled"},
				pluck="name",
			),
			[],
			"no message about a lapsed membership goes to a member",
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", gone_lapse.name, "status"), "In Cadence")


class TestShippedRescue(PlaybookCase):
	def test_the_shipped_rescue_texts_at_once_offers_a_and_follows_up_the_next_morning(self):
		from winback_app.setup.default_segments import DEFAULT_SEGMENTS

		[shipped] = [s for s in DEFAULT_SEGMENTS if s["rule_kind"] == "Missed Appointment"]
		f.segment(
			"T Shipped Rescue",
			"Missed Appointment",
			priority=1,
			touches=[dict(t) for t in shipped["touches"]],
			translations=[dict(t) for t in shipped["translations"]],
			holdout_percent=shipped["holdout_percent"],
		)
		p = f.patient(winback_time_zone="America/New_York")
		f.past_appointment(p, 0, status="Open", at=WEDNESDAY_1020 - timedelta(minutes=20))
		rescue(WEDNESDAY_1020)
		[lapse] = f.lapses_of(p)
		self.assertFalse(lapse.holdout, "nobody is held out of the rescue")
		rows = frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse.name},
			fields=["day_offset", "channel", "due_at"],
			order_by="day_offset asc",
		)
		self.assertEqual(
			[(r.day_offset, r.channel, r.due_at) for r in rows[:2]],
			[(1, "SMS", WEDNESDAY_1020), (2, "SMS", datetime(2026, 11, 19, 9, 30))],
		)


class TestPatchForExistingSites(PlaybookCase):
	"""A site seeded before this release: the rescue and annual cadences, the emails and the holdout as they
	were shipped. The patch brings what nobody touched up to date and leaves a manager's edits alone."""

	def as_first_shipped(self) -> None:
		from winback_app.patches.v1_0 import playbook_defaults as patch

		for campaign, versions in patch.CADENCES_BEFORE.items():
			rows = patch.steps(campaign)
			for row, (day, channel, template, subject) in zip(rows, versions[-1], strict=True):
				frappe.db.set_value(
					"Cadence Touch",
					row.name,
					{
						"day_offset": day,
						"channel": channel,
						"template": template,
						"email_subject": subject or None,
						"send_at": None,
					},
				)
		for campaign, opening in patch.EMAILS_BEFORE.items():
			Touch = frappe.qb.DocType("Cadence Touch")
			frappe.qb.update(Touch).set(Touch.template, patch._old_email(opening)).where(
				Touch.parent == campaign
			).where(Touch.channel == "Email").run()
		frappe.db.set_value("Campaign Segment", patch.RESCUE, "holdout_percent", 10)
		frappe.db.delete("Cadence Touch Translation", {"parenttype": "Campaign Segment"})

	def test_untouched_campaigns_get_the_playbook_and_edited_ones_keep_their_words(self):
		from winback_app.patches.v1_0 import playbook_defaults as patch
		from winback_app.setup.default_segments import DEFAULT_SEGMENTS

		self.as_first_shipped()
		# A manager reworded the annual check-in's first text: that campaign keeps all its steps.
		annual_first = patch.steps(patch.ANNUAL)[0]
		frappe.db.set_value(
			"Cadence Touch", annual_first.name, "template", "Our own words {{ booking_link }}"
		)
		rescue_rows_before = [r.name for r in patch.steps(patch.RESCUE)]
		patch.execute()
		shipped = {s["segment_name"]: s for s in DEFAULT_SEGMENTS}
		rescue_now = patch.steps(patch.RESCUE)
		self.assertEqual([r.name for r in rescue_now], rescue_rows_before, "rewritten in place: plans follow")
		self.assertEqual(
			[(r.day_offset, r.channel, r.template) for r in rescue_now],
			[(t["day_offset"], t["channel"], t["template"]) for t in shipped[patch.RESCUE]["touches"]],
		)
		self.assertEqual(frappe.db.get_value("Campaign Segment", patch.RESCUE, "holdout_percent"), 0)
		annual_now = patch.steps(patch.ANNUAL)
		self.assertEqual(annual_now[0].template, "Our own words {{ booking_link }}")
		self.assertEqual(annual_now[0].channel, "SMS", "an edited cadence is left as it is")
		recall_email = frappe.db.get_value(
			"Cadence Touch", {"parent": "6-Month Hygiene Recall", "channel": "Email"}, "template"
		)
		self.assertIn("{{ last_visit_month }}", recall_email)
		languages = frappe.get_all(
			"Cadence Touch Translation",
			filters={"parent": patch.RESCUE},
			fields=["day_offset", "channel", "language"],
		)
		self.assertEqual(
			{(r.day_offset, r.channel, r.language) for r in languages},
			{(1, "SMS", "es"), (2, "SMS", "es"), (4, "Email", "es")},
		)
		annual_es = frappe.get_all(
			"Cadence Touch Translation", filters={"parent": patch.ANNUAL}, pluck="day_offset"
		)
		self.assertNotIn(1, annual_es, "no Spanish for a step whose English a manager changed")
		patch.execute()  # a second run changes nothing
		self.assertEqual(
			len(frappe.get_all("Cadence Touch Translation", filters={"parent": patch.RESCUE})), 3
		)
