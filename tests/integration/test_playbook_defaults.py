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
