"""Paced to the schedule on a real site: a daily cap, the weekdays a campaign takes patients on, pacing by its
practitioners' free slots, the rest waiting for later nights (longest lapsed first), and the preview's pace."""

from datetime import datetime, time

import frappe
from frappe.utils import add_days, getdate

from winback_app.booking.reader import campaign_practitioners, closed_days
from winback_app.booking.service import free_slot_count
from winback_app.detection.run import detect_lapses, preview
from winback_app.engine.pacing import WAITING
from winback_app.segments import INTAKE_DAYS

from . import factories as f
from .base import WinBackTestCase


class TestPacing(WinBackTestCase):
	def setUp(self):
		super().setUp()
		self.refs = f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()
		# A type of its own, so only this test's patients fit its campaigns (other files leave patients committed).
		self.kind = "_T WB Pace " + frappe.generate_hash(length=6)
		frappe.get_doc(
			{
				"doctype": "Appointment Type",
				"appointment_type": self.kind,
				"allow_booking_for": "Practitioner",
				"default_duration": 30,
			}
		).insert(ignore_permissions=True)

	def lapsed(self, days_ago: list[int], today=None) -> list[str]:
		"""One patient per entry, last seen (a closed appointment of this test's type) that many days before `today`."""
		today = getdate(today) if today else getdate()
		shift = (today - getdate()).days
		out = []
		for days in days_ago:
			p = f.patient()
			f.past_appointment(p, days - shift, appointment_type=self.kind)
			out.append(p)
		return out

	def campaign(self, name: str, **fields) -> str:
		return f.segment(
			name,
			"Recall Window",
			min_days=180,
			max_days=400,
			filters=[("Appointment Type", self.kind), *fields.pop("filters", ())],
			**fields,
		)

	def joined(self, patients: list[str]) -> list[str]:
		return [p for p in patients if f.lapses_of(p)]

	def test_a_daily_cap_takes_the_longest_lapsed_and_the_rest_join_on_later_days(self):
		seg = self.campaign("T Pace Cap", daily_intake_cap=2)
		newest, mid, oldest, older, middle = self.lapsed([200, 250, 390, 300, 260])

		result = detect_lapses()
		self.assertEqual(sorted(self.joined([newest, mid, oldest, older, middle])), sorted([oldest, older]))
		self.assertEqual(result["excluded"][WAITING], 3)
		# Waiting is not excluded for good, and a second run the same day takes no second quota.
		self.assertEqual(detect_lapses()["created"], 0)
		self.assertEqual(len(self.joined([newest, mid, middle])), 0)
		# The next night the next two longest lapsed join; the night after, the last one.
		detect_lapses(add_days(getdate(), 1))
		self.assertEqual(sorted(self.joined([newest, mid, middle])), sorted([mid, middle]))
		detect_lapses(add_days(getdate(), 2))
		self.assertEqual(len(f.lapses_of(newest)), 1)
		self.assertEqual({f.lapses_of(p)[0].segment for p in (newest, mid, oldest)}, {seg})

	def test_a_campaign_takes_patients_only_on_its_weekdays(self):
		today = getdate()
		other_days = {f"intake_{day}": int(i != today.weekday()) for i, day in enumerate(INTAKE_DAYS)}
		seg = self.campaign("T Pace Days", **other_days)
		patients = self.lapsed([200, 220])
		result = detect_lapses()
		self.assertEqual(self.joined(patients), [])
		self.assertEqual(result["excluded"][WAITING], 2)
		self.assertFalse(preview(seg)["pace"]["takes_patients_today"])

		doc = frappe.get_doc("Campaign Segment", seg)
		doc.set(f"intake_{INTAKE_DAYS[today.weekday()]}", 1)
		doc.save(ignore_permissions=True)
		detect_lapses()
		self.assertEqual(sorted(self.joined(patients)), sorted(patients))

	def test_a_campaign_must_take_patients_on_some_day(self):
		with self.assertRaises(frappe.ValidationError):
			self.campaign("T Pace No Day", **{f"intake_{day}": 0 for day in INTAKE_DAYS})

	def test_pacing_by_free_slots_of_the_campaigns_practitioners(self):
		# A day two months ahead, from its midnight: every slot of the horizon is counted, whatever the clock says.
		day = add_days(getdate(), 60)
		practitioner = self.refs["practitioner"]
		self.assertEqual(campaign_practitioners([practitioner]), [practitioner])
		start = datetime.combine(day, time(0))
		free = free_slot_count([practitioner], day, 7, start)
		self.assertGreater(free, 12)  # two 3-hour blocks a day of 30-minute slots, on the days not closed

		# One more booked appointment on a working day of the horizon takes exactly one slot.
		closed = closed_days([practitioner], f.company(), day, add_days(day, 7))[practitioner]
		open_day = next(add_days(day, i) for i in range(7) if add_days(day, i) not in closed)
		f.past_appointment(
			f.patient(),
			0,
			status="Scheduled",
			at=datetime.combine(open_day, time(9, 0)),
			appointment_type=self.kind,
		)
		self.assertEqual(free_slot_count([practitioner], day, 7, start), free - 1)
		free -= 1

		# 1 patient per 6 free slots over the next 7 days, every day: free / 6 / 7 a day.
		quota = free // 6 // 7
		self.assertGreaterEqual(quota, 1)
		seg = self.campaign(
			"T Pace Slots",
			pace_slots_per_patient=6,
			pace_horizon_days=7,
			filters=[("Healthcare Practitioner", practitioner)],
		)
		patients = self.lapsed([200 + 10 * i for i in range(quota + 2)], today=day)
		shown = preview(seg, today=day)
		self.assertEqual(shown["joining"], quota)
		self.assertEqual(shown["excluded"][WAITING], 2)
		waiting = [x["patient"] for x in shown["excluded_sample"] if x["reason"] == WAITING]
		self.assertEqual(sorted(waiting), sorted(patients[:2]))  # the two most recently seen wait
		self.assertEqual(shown["pace"]["free_slots"], free)
		self.assertEqual(
			shown["pace"]["summary"],
			f"{quota + 2} eligible, about {quota} a day, done in {-(-(quota + 2) // quota)} working days.",
		)
		self.assertEqual([s["patient"] for s in shown["sample"]], list(reversed(patients))[:quota])

		detect_lapses(day)
		self.assertEqual(sorted(self.joined(patients)), sorted(list(reversed(patients))[:quota]))

	def test_a_practitioner_without_a_schedule_does_not_stop_the_campaign(self):
		nobody = (
			frappe.get_doc(
				{"doctype": "Healthcare Practitioner", "first_name": "_T WB Unscheduled", "status": "Active"}
			)
			.insert(ignore_permissions=True)
			.name
		)
		self.assertEqual(campaign_practitioners([nobody]), [])
		seg = self.campaign(
			"T Pace Unknown",
			daily_intake_cap=1,
			pace_slots_per_patient=2,
			filters=[("Healthcare Practitioner", nobody)],
		)
		self.lapsed([200, 210])
		Appointment = frappe.qb.DocType("Patient Appointment")
		frappe.qb.update(Appointment).set(Appointment.practitioner, nobody).where(
			Appointment.appointment_type == self.kind
		).run()
		shown = preview(seg)
		self.assertIsNone(shown["pace"]["free_slots"])
		# capacity unknown: the daily cap alone paces it
		self.assertEqual(shown["pace"]["summary"], "2 eligible, about 1 a day, done in 2 working days.")

	def test_an_unpaced_campaign_takes_everyone_at_once(self):
		seg = self.campaign("T Pace None")
		patients = self.lapsed([200, 300, 390])
		shown = preview(seg)
		self.assertEqual(shown["joining"], 3)
		self.assertEqual(shown["pace"]["summary"], "3 eligible, all join at once (no pace set).")
		detect_lapses()
		self.assertEqual(sorted(self.joined(patients)), sorted(patients))


class TestPaceDefaultsPatch(WinBackTestCase):
	def test_shipped_campaigns_still_off_get_the_shipped_pace_and_the_clinics_are_left_alone(self):
		from winback_app.patches.v1_0 import pace_defaults
		from winback_app.setup.default_segments import SHIPPED_PACE

		f.reset_settings()
		f.only_these_segments_enabled()
		Seg = frappe.qb.DocType("Campaign Segment")
		frappe.qb.update(Seg).set(Seg.daily_intake_cap, 0).set(Seg.pace_slots_per_patient, 0).run()
		frappe.qb.update(Seg).set(Seg.enabled, 1).where(Seg.name == "Annual Check-in").run()
		frappe.qb.update(Seg).set(Seg.daily_intake_cap, 7).where(Seg.name == "Dormant 18+ Months").run()
		own = f.segment("T Pace Clinic's Own", "Recall Window", min_days=180, enabled=0)

		pace_defaults.execute()

		def pace(name):
			return frappe.db.get_value("Campaign Segment", name, list(SHIPPED_PACE), as_dict=True)

		self.assertEqual(pace("Win-Back 9-18 Months"), SHIPPED_PACE)
		self.assertEqual(pace("Missed Appointment Rescue").daily_intake_cap, 0)  # answered as it happens
		self.assertEqual(pace("Annual Check-in").daily_intake_cap, 0)  # switched on: the clinic's
		self.assertEqual(pace("Dormant 18+ Months").daily_intake_cap, 7)  # a pace already set
		self.assertEqual(pace(own).daily_intake_cap, 0)
