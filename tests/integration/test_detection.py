"""Detection on a real site: every rule, every exclusion, arbitration, holdout, triggers and outcomes."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.contacts.optouts import block_number
from winback_app.detection.rescue import rescue_missed_appointments as rescue
from winback_app.detection.run import cycle_of, detect_lapses, preview
from winback_app.engine.detection import (
	COOLDOWN,
	DISABLED,
	DO_NOT_CONTACT,
	FUTURE_APPOINTMENT,
	MINOR,
	NO_CHANNEL,
	OPEN_LAPSE,
	OPTED_OUT,
	is_holdout,
)
from winback_app.lapses.outcomes import poll_outcomes

from . import factories as f
from .base import WinBackTestCase


class DetectionCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def reasons(self, segment: str) -> dict:
		return preview(segment)["excluded"]


class TestSegmentRules(DetectionCase):
	def test_recall_window_uses_the_latest_visit_from_any_source(self):
		seg = f.segment("T Recall", "Recall Window", min_days=180, max_days=270)
		due = f.patient()
		f.past_appointment(due, 400)
		f.past_encounter(due, 200)  # latest real visit: 200 days ago
		recent = f.patient()
		f.past_appointment(recent, 200)
		f.past_encounter(recent, 30)  # came 30 days ago: not lapsed
		noshow = f.patient()
		f.past_appointment(noshow, 200)
		f.past_appointment(noshow, 30, status="No Show")  # the host's No Show is not a visit

		detect_lapses()
		[lapse] = f.lapses_of(due)
		self.assertEqual(
			(lapse.segment, lapse.status, lapse.evidence_doctype), (seg, "In Cadence", "Patient Encounter")
		)
		self.assertEqual(lapse.last_visit_date, add_days(getdate(), -200))
		self.assertIn("200 days ago", lapse.reason)
		self.assertEqual(f.lapses_of(recent), [])
		self.assertEqual(len(f.lapses_of(noshow)), 1)

	def test_recall_window_limited_to_an_appointment_type(self):
		seg = f.segment(
			"T Hygiene only",
			"Recall Window",
			min_days=180,
			max_days=270,
			filters=[("Appointment Type", f.APPOINTMENT_TYPE)],
		)
		hygiene = f.patient()
		f.past_appointment(hygiene, 200, appointment_type=f.APPOINTMENT_TYPE)
		consult = f.patient()
		f.past_appointment(consult, 200, appointment_type=f.OTHER_TYPE)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(hygiene)], [seg])
		self.assertEqual(f.lapses_of(consult), [])

	def test_unfinished_treatment(self):
		seg = f.segment("T Treatment", "Unfinished Treatment", min_days=30, max_days=180)
		ordered = f.patient()
		f.service_request(ordered, 45)
		too_new = f.patient()
		f.service_request(too_new, 10)
		done = f.patient()
		f.service_request(done, 45, status="completed-Request Status")
		draft = f.patient()
		f.service_request(draft, 45, docstatus=0)
		detect_lapses()
		[lapse] = f.lapses_of(ordered)
		self.assertEqual((lapse.segment, lapse.evidence_doctype), (seg, "Service Request"))
		for p in (too_new, done, draft):
			self.assertEqual(f.lapses_of(p), [], p)

	def test_unfinished_therapy_plan(self):
		seg = f.segment("T Therapy", "Unfinished Therapy Plan", min_days=21, max_days=120)
		stalled = f.patient()
		f.therapy_plan(stalled, 90)
		f.past_appointment(stalled, 40)
		active = f.patient()
		f.therapy_plan(active, 90)
		f.past_appointment(active, 5)
		finished = f.patient()
		f.therapy_plan(finished, 90, status="Completed")
		f.past_appointment(finished, 40)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(stalled)], [seg])
		self.assertEqual(f.lapses_of(active), [])
		self.assertEqual(f.lapses_of(finished), [])

	def test_med_spa_maintenance_by_procedure_template(self):
		seg = f.segment(
			"T Tox",
			"Med Spa Maintenance",
			min_days=70,
			max_days=98,
			filters=[("Clinical Procedure Template", f.PROCEDURE)],
		)
		due = f.patient()
		f.past_procedure(due, 80)
		early = f.patient()
		f.past_procedure(early, 40)
		detect_lapses()
		[lapse] = f.lapses_of(due)
		self.assertEqual((lapse.segment, lapse.evidence_doctype), (seg, "Clinical Procedure"))
		self.assertEqual(f.lapses_of(early), [])

	def test_new_patient_never_booked(self):
		seg = f.segment("T New", "New Patient Never Booked", min_days=7, max_days=90)
		fresh = f.patient()
		frappe.db.set_value("Patient", fresh, "creation", now_datetime() - timedelta(days=10))
		booked = f.patient()
		frappe.db.set_value("Patient", booked, "creation", now_datetime() - timedelta(days=10))
		f.past_appointment(booked, 3, status="Cancelled")  # any appointment means they did book once
		too_new = f.patient()  # registered today
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(fresh)], [seg])
		self.assertEqual(f.lapses_of(booked), [])
		self.assertEqual(f.lapses_of(too_new), [])

	def test_lapsed_membership(self):
		seg = f.segment("T Membership", "Lapsed Membership", min_days=0, max_days=60)
		lapsed = f.patient()
		f.cancelled_membership(lapsed, 20)
		long_gone = f.patient()
		f.cancelled_membership(long_gone, 200)
		detect_lapses()
		[lapse] = f.lapses_of(lapsed)
		self.assertEqual((lapse.segment, lapse.evidence_doctype), (seg, "Subscription"))
		self.assertEqual(f.lapses_of(long_gone), [])

	def test_annual_check_in(self):
		seg = f.segment("T Annual", "Annual Check-in", min_days=335, max_days=395)
		due = f.patient()
		f.past_appointment(due, 350)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(due)], [seg])


class TestExclusionsAndArbitration(DetectionCase):
	def test_every_exclusion_reason_is_named_in_the_preview(self):
		seg = f.segment("T Excl", "Recall Window", min_days=180, max_days=270, reentry_cooldown_days=90)
		cases = {}
		cases[FUTURE_APPOINTMENT] = f.patient()
		f.future_appointment(cases[FUTURE_APPOINTMENT])
		cases[DO_NOT_CONTACT] = f.patient(winback_do_not_contact=1)
		cases[DISABLED] = f.patient()
		frappe.db.set_value("Patient", cases[DISABLED], "status", "Disabled")
		cases[MINOR] = f.patient(dob=add_days(getdate(), -365 * 12))
		cases[NO_CHANNEL] = f.patient(mobile="", email="")
		cases[OPTED_OUT] = f.patient(email="")
		block_number(
			frappe.db.get_value(
				"Win-Back Patient Phone", {"patient": cases[OPTED_OUT], "source": "Mobile"}, "phone"
			)
		)
		cases[OPEN_LAPSE] = f.patient()
		cases[COOLDOWN] = f.patient()
		for p in cases.values():
			f.past_appointment(p, 200)
		detect_lapses()  # opens lapses for OPEN_LAPSE and COOLDOWN (and nobody else)
		self.assertEqual({p for p in cases.values() if f.lapses_of(p)}, {cases[OPEN_LAPSE], cases[COOLDOWN]})
		closed = f.lapses_of(cases[COOLDOWN])[0].name
		frappe.db.set_value("Patient Lapse", closed, {"status": "Closed", "closed_on": now_datetime()})

		result = preview(seg, sample=100)
		by_patient = {row["patient"]: row["reason"] for row in result["excluded_sample"]}
		for reason, p in cases.items():
			self.assertEqual(by_patient.get(p), reason, reason)
			self.assertGreaterEqual(result["excluded"][reason], 1)
		detect_lapses()
		self.assertEqual(len(f.lapses_of(cases[COOLDOWN])), 1, "the cooldown holds on the real run too")

	def test_email_only_patient_still_joins(self):
		f.segment("T Email", "Recall Window", min_days=180, max_days=270)
		p = f.patient(mobile="")
		f.past_appointment(p, 200)
		detect_lapses()
		self.assertEqual(len(f.lapses_of(p)), 1)

	def test_highest_priority_campaign_wins_and_the_other_is_told_why(self):
		low = f.segment("T Broad", "Recall Window", priority=60, min_days=100, max_days=400)
		high = f.segment("T Narrow", "Recall Window", priority=10, min_days=150, max_days=250)
		p = f.patient()
		f.past_appointment(p, 200)
		result = preview(low, sample=10_000)
		reasons = {row["patient"]: row["reason"] for row in result["excluded_sample"]}
		self.assertEqual(reasons[p], f"Joins a higher-priority campaign: {high}")
		self.assertGreaterEqual(result["excluded"][f"Joins a higher-priority campaign: {high}"], 1)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(p)], [high])

	def test_running_twice_creates_nothing_new(self):
		f.segment("T Twice", "Recall Window", min_days=180, max_days=270)
		patients = [f.patient() for _ in range(3)]
		for p in patients:
			f.past_appointment(p, 200)
		first = detect_lapses()
		lapses = frappe.db.count("Patient Lapse")
		attempts = frappe.db.count("Win-Back Contact Attempt")
		second = detect_lapses()
		self.assertGreaterEqual(first["created"], 3)
		self.assertEqual(second["created"], 0)
		self.assertEqual(
			(frappe.db.count("Patient Lapse"), frappe.db.count("Win-Back Contact Attempt")),
			(lapses, attempts),
		)

	def test_holdout_is_deterministic_and_receives_nothing(self):
		seg = f.segment("T Holdout", "Recall Window", min_days=180, max_days=270, holdout_percent=50)
		patients = [f.patient() for _ in range(8)]
		for p in patients:
			f.past_appointment(p, 200)
		detect_lapses()
		cycle = cycle_of(getdate())
		for p in patients:
			[lapse] = f.lapses_of(p)
			expected = is_holdout(p, seg, cycle, 50)
			self.assertEqual(bool(lapse.holdout), expected, p)
			self.assertEqual(lapse.status, "Holdout" if expected else "In Cadence")
			attempts = frappe.db.count("Win-Back Contact Attempt", {"lapse": lapse.name})
			self.assertEqual(attempts, 0 if expected else 3)

	def test_cadence_is_planned_inside_the_send_window(self):
		f.segment("T Plan", "Recall Window", min_days=180, max_days=270)
		p = f.patient(winback_time_zone="America/Los_Angeles")
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		rows = frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse.name},
			fields=["due_at", "channel", "day_offset"],
			order_by="day_offset",
		)
		self.assertEqual(
			[(r.channel, r.day_offset) for r in rows], [("SMS", 1), ("Email", 4), ("Call Task", 14)]
		)
		from zoneinfo import ZoneInfo

		from winback_app.infra.clock import to_utc

		for r in rows:
			local = to_utc(r.due_at).astimezone(ZoneInfo("America/Los_Angeles"))
			self.assertTrue(9 <= local.hour < 19 and local.weekday() < 5, local)


class TestTriggersAndOutcomes(DetectionCase):
	def test_missed_appointment_rescue_once_and_never_for_old_ones(self):
		seg = f.segment(
			"T Rescue",
			"Missed Appointment",
			priority=1,
			touches=[
				{
					"day_offset": 1,
					"channel": "SMS",
					"template": "{{ first_name }}, {{ practice_name }} missed you: {{ booking_link }}",
				}
			],
		)
		now = now_datetime().replace(microsecond=0)
		missed = f.patient()
		appt = f.past_appointment(missed, 0, status="Open", at=now - timedelta(minutes=30))
		old = f.patient()
		f.past_appointment(old, 0, status="Open", at=now - timedelta(hours=3))
		arrived = f.patient()
		f.past_appointment(arrived, 0, status="Checked In", at=now - timedelta(minutes=30))
		self.assertGreaterEqual(rescue(now)["created"], 1)
		[lapse] = f.lapses_of(missed)
		self.assertEqual((lapse.segment, lapse.evidence_name), (seg, appt))
		rescue(now + timedelta(minutes=5))
		self.assertEqual(len(f.lapses_of(missed)), 1, "each appointment opens one lapse")
		self.assertEqual(f.lapses_of(old), [])
		self.assertEqual(f.lapses_of(arrived), [])

	def test_booking_from_the_desk_closes_the_lapse_and_stops_the_cadence(self):
		f.segment("T Book", "Recall Window", min_days=180, max_days=270)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		refs = f.reference_records()
		appointment = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": p,
				"appointment_type": f.APPOINTMENT_TYPE,
				"appointment_for": "Practitioner",
				"practitioner": refs["practitioner"],
				"department": refs["department"],
				"appointment_date": add_days(getdate(), 7),
				"appointment_time": "10:00:00",
				"duration": 30,
				"company": f.company(),
			}
		).insert(ignore_permissions=True)
		[after] = f.lapses_of(p)
		self.assertEqual((after.status, after.booked_appointment), ("Booked", appointment.name))
		statuses = set(
			frappe.get_all("Win-Back Contact Attempt", filters={"lapse": lapse.name}, pluck="status")
		)
		self.assertEqual(statuses, {"Cancelled"})

	def test_a_later_encounter_reactivates_and_polling_catches_silent_bookings(self):
		f.segment("T React", "Recall Window", min_days=180, max_days=270, holdout_percent=0)
		p = f.patient()
		f.past_appointment(p, 200)
		q = f.patient()
		f.past_appointment(q, 200)
		detect_lapses()
		# A booking written without doc events (as bulk imports and db.set_value paths do):
		frappe.db.set_value(
			"Patient Lapse", f.lapses_of(q)[0].name, "detected_on", now_datetime() - timedelta(days=2)
		)
		silent = f.past_appointment(
			q, 0, status="Scheduled", at=datetime.combine(add_days(getdate(), 5), datetime.min.time())
		)
		# The patient came back: a submitted encounter today.
		frappe.db.set_value(
			"Patient Lapse", f.lapses_of(p)[0].name, "detected_on", now_datetime() - timedelta(days=2)
		)
		f.past_encounter(p, 0)
		result = poll_outcomes()
		self.assertGreaterEqual(result["reactivated"], 1)
		self.assertGreaterEqual(result["booked"], 1)
		[lp] = f.lapses_of(p)
		self.assertEqual((lp.status, lp.reactivated_on), ("Reactivated", getdate()))
		[lq] = f.lapses_of(q)
		self.assertEqual((lq.status, lq.booked_appointment), ("Booked", silent))
		self.assertEqual(poll_outcomes()["reactivated"], 0, "polling twice changes nothing")


class TestPreviewApi(DetectionCase):
	def test_manager_previews_agent_is_refused(self):
		from winback_app.api.campaign_segment import preview as api_preview

		agent = f.desk_user("winback-agent@example.com")  # first: it may commit (a reference record)
		seg = f.segment("T Api", "Recall Window", min_days=180, max_days=270)
		p = f.patient()
		f.past_appointment(p, 200)
		result = api_preview(seg)
		self.assertIn(p, [row["patient"] for row in preview(seg, sample=10_000)["sample"]])
		self.assertGreaterEqual(result["joining"], 1)
		self.assertEqual(frappe.db.count("Patient Lapse", {"patient": p}), 0, "a preview writes nothing")
		frappe.set_user(agent)
		with self.assertRaises(frappe.PermissionError):
			api_preview(seg)


class TestPatientFormState(DetectionCase):
	def test_the_patient_form_shows_the_win_back_state(self):
		from winback_app.api.patient import state
		from winback_app.contacts.optouts import block_number

		seg = f.segment("T State", "Recall Window", min_days=180, max_days=270)
		p = f.patient()
		f.past_appointment(p, 200)
		self.assertEqual(state(p)["lapse"], None)
		detect_lapses()
		shown = state(p)
		self.assertEqual((shown["lapse"]["segment"], shown["lapse"]["status"]), (seg, "In Cadence"))
		self.assertEqual((shown["texts"], shown["do_not_contact"]), ("allowed", False))
		block_number(
			frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		)
		self.assertEqual(state(p)["texts"], "Opted Out")


class TestKeyRanges(DetectionCase):
	def test_deciding_in_key_ranges_decides_what_one_pass_decides(self):
		from winback_app.detection.run import EVENT_RULES, decide, decide_ranges
		from winback_app.segments import enabled_segment_specs
		from winback_app.settings import get_settings

		f.segment("T Range Recall", "Recall Window", min_days=180, max_days=270, reentry_cooldown_days=90)
		f.segment("T Range Dormant", "Recall Window", priority=60, min_days=270, max_days=900)
		f.segment("T Range Treatment", "Unfinished Treatment", min_days=30, max_days=180)
		f.segment("T Range New", "New Patient Never Booked", min_days=7, max_days=90)
		placed = []
		for i in range(6):
			p = f.patient()
			f.past_appointment(p, 200 + 60 * i)
			placed.append(p)
		f.future_appointment(placed[0])
		f.service_request(placed[1], 60)
		fresh = f.patient()
		frappe.db.set_value("Patient", fresh, "creation", now_datetime() - timedelta(days=10))
		placed.append(fresh)

		segments = [s for s in enabled_segment_specs() if s.rule_kind not in EVENT_RULES]
		settings, today = get_settings(), getdate()

		def decided(detection):
			return (
				sorted((e.patient, e.segment, e.holdout, e.candidate, e.reason) for e in detection.entries),
				sorted((x.patient, x.segment, x.reason) for x in detection.exclusions),
			)

		everyone = frappe.db.count("Patient")
		whole, whole_patients, _ = decide(segments, today, settings, size=everyone + 1)
		self.assertTrue({e.patient for e in whole.entries} >= set(placed[1:]))
		self.assertIn(placed[0], {x.patient for x in whole.exclusions})
		for size in {max(1, everyone // 7), max(1, everyone // 2), 3}:
			if everyone // size > 400:  # a large shared site: keep the test's ranges to a few hundred
				continue
			ranged, ranged_patients, _ = decide(segments, today, settings, size=size)
			self.assertEqual(decided(ranged), decided(whole), f"ranges of {size}")
			self.assertEqual(ranged_patients.keys(), whole_patients.keys())

		# the same number of queries for every range (the first also reads the site-wide lists once)
		counted = [0]
		original = frappe.db.sql

		def sql(*args, **kwargs):
			counted[0] += 1
			return original(*args, **kwargs)

		frappe.db.sql = sql
		try:
			per_range = []
			for _part in decide_ranges(segments, today, settings, size=max(1, everyone // 5)):
				per_range.append(counted[0])
				counted[0] = 0
		finally:
			frappe.db.sql = original
		self.assertGreaterEqual(len(per_range), 5)
		self.assertEqual(len(set(per_range[1:])), 1, per_range)
		self.assertEqual(per_range[0] - per_range[1], 3, "site-wide opt-outs, unsubscribes and staff: once")
