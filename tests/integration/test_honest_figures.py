"""Figures a clinic can believe, on a real site: a booking credits only a lapse still open or ended within the
attribution window, a late arrival to a missed appointment is neither a rescue text nor a reactivation, the
rescue campaign holds nobody out by default, and the report's per-cycle rows match a hand-computed scenario."""

from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.detection.rescue import rescue_missed_appointments as rescue
from winback_app.detection.run import detect_lapses
from winback_app.lapses.outcomes import LATE_ARRIVAL, mark_booked, poll_outcomes
from winback_app.win_back.report.reactivation_by_segment.reactivation_by_segment import execute

from . import factories as f
from .base import WinBackTestCase

RESCUE_TOUCHES = [
	{
		"day_offset": 1,
		"channel": "SMS",
		"template": "{{ first_name }}, {{ practice_name }} missed you: {{ booking_link }}",
	},
	{
		"day_offset": 2,
		"channel": "SMS",
		"template": "{{ first_name }}, your spot at {{ practice_name }} is waiting: {{ booking_link }}",
	},
]


class FiguresCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings(attribution_days=90)

	def ended_lapse(self, patient: str, seg_name: str, days_ago: int) -> str:
		"""A lapse of this patient whose cadence ended (Exhausted) `days_ago` days ago."""
		f.segment(seg_name, "Recall Window", min_days=180, max_days=270)
		detect_lapses()
		frappe.db.set_value("Campaign Segment", seg_name, "enabled", 0)
		lapse = [x for x in f.lapses_of(patient) if x.segment == seg_name][0].name
		frappe.db.set_value(
			"Patient Lapse",
			lapse,
			{
				"status": "Exhausted",
				"detected_on": now_datetime() - timedelta(days=days_ago + 21),
				"closed_on": now_datetime() - timedelta(days=days_ago),
			},
		)
		return lapse


class TestBookingsCreditOnlyRecentLapses(FiguresCase):
	def test_a_booking_marks_an_old_exhausted_lapse_nothing(self):
		p = f.patient()
		f.past_appointment(p, 200)
		old = self.ended_lapse(p, f"T Old {frappe.generate_hash(length=5)}", 400)
		recent = self.ended_lapse(p, f"T Recent {frappe.generate_hash(length=5)}", 30)
		appointment = f.future_appointment(p, 5)
		booked = mark_booked(p, appointment)
		self.assertEqual(booked, [recent])
		self.assertEqual(frappe.db.get_value("Patient Lapse", old, "status"), "Exhausted")
		self.assertEqual(frappe.db.get_value("Patient Lapse", recent, "status"), "Booked")

	def test_the_hourly_poll_holds_the_same_window(self):
		p = f.patient()
		f.past_appointment(p, 200)
		old = self.ended_lapse(p, f"T Old {frappe.generate_hash(length=5)}", 120)
		recent = self.ended_lapse(p, f"T Recent {frappe.generate_hash(length=5)}", 60)
		# An appointment written without doc events (an import, a db.set_value): only the poll sees it.
		f.future_appointment(p, 5)
		poll_outcomes()
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", old, "status"), "Exhausted", "ended 120 > 90 days"
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", recent, "status"), "Booked")

	def test_a_visit_long_after_an_ended_cadence_is_no_reactivation(self):
		p = f.patient()
		f.past_appointment(p, 200)
		old = self.ended_lapse(p, f"T Old {frappe.generate_hash(length=5)}", 150)
		f.past_encounter(p, 2)
		poll_outcomes()
		self.assertEqual(frappe.db.get_value("Patient Lapse", old, "status"), "Exhausted")

	def test_an_open_lapse_is_still_booked(self):
		f.segment("T Open", "Recall Window", min_days=180, max_days=270)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		self.assertEqual(mark_booked(p, f.future_appointment(p, 5)), [lapse.name])


class TestLateArrivals(FiguresCase):
	def setUp(self):
		super().setUp()
		self.seg = f.segment("T Rescue", "Missed Appointment", priority=1, touches=RESCUE_TOUCHES)
		self.now = now_datetime().replace(microsecond=0)

	def missed(self, **appointment):
		p = f.patient()
		name = f.past_appointment(p, 0, status="Open", at=self.now - timedelta(minutes=30), **appointment)
		return p, name

	def test_a_patient_in_the_chair_without_a_check_in_is_not_texted(self):
		in_chair, appointment = self.missed()
		encounter = f.past_encounter(in_chair, 0)
		frappe.db.set_value(
			"Patient Encounter", encounter, "encounter_date", (self.now - timedelta(minutes=30)).date()
		)
		really_missed, _a = self.missed()
		result = rescue(self.now)
		self.assertEqual(f.lapses_of(in_chair), [], "an encounter that day means the patient came")
		self.assertEqual(len(f.lapses_of(really_missed)), 1)
		self.assertEqual(result["arrived"], 1)

	def test_a_late_arrival_closes_the_rescue_and_is_no_reactivation(self):
		p, appointment = self.missed()
		rescue(self.now)
		[lapse] = f.lapses_of(p)
		self.assertEqual(lapse.status, "In Cadence")
		# Twenty minutes later the patient walks in: the desk checks the appointment in (db.set_value, no hooks).
		frappe.db.set_value("Patient Appointment", appointment, "status", "Checked In")
		result = rescue(self.now + timedelta(minutes=5))
		self.assertEqual(result["late_arrivals"], 1)
		row = frappe.db.get_value(
			"Patient Lapse", lapse.name, ["status", "closed_reason", "reactivated_on"], as_dict=True
		)
		self.assertEqual((row.status, row.closed_reason, row.reactivated_on), ("Closed", LATE_ARRIVAL, None))
		planned = frappe.get_all(
			"Win-Back Contact Attempt", filters={"lapse": lapse.name, "status": "Scheduled"}, pluck="name"
		)
		self.assertEqual(planned, [], "the follow-up does not go to someone who came")

	def test_the_hourly_poll_takes_a_late_visit_for_a_late_arrival_not_a_return(self):
		p, appointment = self.missed()
		rescue(self.now)
		[lapse] = f.lapses_of(p)
		frappe.db.set_value("Patient Appointment", appointment, "status", "Closed")
		poll_outcomes(getdate(self.now))
		row = frappe.db.get_value("Patient Lapse", lapse.name, ["status", "reactivated_on"], as_dict=True)
		self.assertEqual((row.status, row.reactivated_on), ("Closed", None))
		_c, _r, _m, _chart, _s = execute(
			{"from_date": add_days(getdate(), -1), "to_date": add_days(getdate(), 1), "segment": self.seg}
		)
		[report_row] = _r
		self.assertEqual((report_row["lapses"], report_row["reactivated"]), (1, 0))


class TestRescueDefaults(FiguresCase):
	def test_the_rescue_campaign_holds_nobody_out(self):
		from winback_app.setup.default_segments import DEFAULT_SEGMENTS

		[rescue_default] = [s for s in DEFAULT_SEGMENTS if s["rule_kind"] == "Missed Appointment"]
		self.assertEqual(rescue_default.get("holdout_percent"), 0)
		seeded = frappe.db.get_value(
			"Campaign Segment", {"rule_kind": "Missed Appointment"}, "holdout_percent"
		)
		self.assertEqual(seeded, 0, "the seeded campaign on this site too")


class TestReportPerCycle(FiguresCase):
	def test_per_cycle_rows_equal_the_hand_computed_scenario(self):
		"""Eight patients of one campaign in two monthly cycles. Cycle A (2026-01): four treated (two came
		back, one booked only), one holdout (came back). Cycle B (2026-02): two treated (one came back), one
		holdout (did not). Grouped by campaign only, the two cycles add up."""
		seg = f.segment("T Cycles", "Recall Window", min_days=180, max_days=270, holdout_percent=0)
		patients = [f.patient() for _ in range(8)]
		for p in patients:
			f.past_appointment(p, 200)
		detect_lapses()
		lapse = {p: f.lapses_of(p)[0].name for p in patients}
		a_treated, a_held = patients[:4], patients[4]
		b_treated, b_held = patients[5:7], patients[7]
		opened = now_datetime() - timedelta(days=20)
		Lapse = frappe.qb.DocType("Patient Lapse")
		frappe.qb.update(Lapse).set(Lapse.detected_on, opened).where(
			Lapse.name.isin(list(lapse.values()))
		).run()
		for group, cycle in (([*a_treated, a_held], "2026-01"), ([*b_treated, b_held], "2026-02")):
			frappe.qb.update(Lapse).set(Lapse.cycle, cycle).where(
				Lapse.name.isin([lapse[p] for p in group])
			).run()
		frappe.qb.update(Lapse).set(Lapse.holdout, 1).set(Lapse.status, "Holdout").where(
			Lapse.name.isin([lapse[a_held], lapse[b_held]])
		).run()
		for p in (*a_treated[:2], a_held, b_treated[0]):
			f.past_encounter(p, 10)
		booking = f.future_appointment(a_treated[2], days_ahead=5)
		frappe.db.set_value("Patient Appointment", booking, "creation", opened + timedelta(days=1))
		poll_outcomes()

		window = {"from_date": add_days(getdate(), -30), "to_date": getdate(), "segment": seg}
		_c, rows, *_rest = execute({**window, "group_by": "Campaign and cycle"})
		got = {
			r["cycle"]: {
				k: r[k]
				for k in (
					"lapses",
					"holdout",
					"booked",
					"reactivated",
					"reactivation_rate",
					"holdout_rate",
					"lift",
				)
			}
			for r in rows
		}
		self.assertEqual(
			got,
			{
				# 2 of 4 came back (50%); the holdout's one came back (100%): lift -50 points.
				"2026-01": {
					"lapses": 5,
					"holdout": 1,
					"booked": 3,
					"reactivated": 2,
					"reactivation_rate": 50.0,
					"holdout_rate": 100.0,
					"lift": -50.0,
				},
				# 1 of 2 came back (50%); the holdout's did not (0%): lift +50 points.
				"2026-02": {
					"lapses": 3,
					"holdout": 1,
					"booked": 1,
					"reactivated": 1,
					"reactivation_rate": 50.0,
					"holdout_rate": 0.0,
					"lift": 50.0,
				},
			},
		)
		_c, [whole], *_rest = execute(window)
		self.assertEqual(
			{
				k: whole[k]
				for k in ("lapses", "holdout", "booked", "reactivated", "reactivation_rate", "holdout_rate")
			},
			# 3 of 6 treated came back (50%); 1 of 2 held out (50%).
			{
				"lapses": 8,
				"holdout": 2,
				"booked": 4,
				"reactivated": 3,
				"reactivation_rate": 50.0,
				"holdout_rate": 50.0,
			},
		)
