"""One-tap booking on a real site: real schedules, holidays, capacity, locks, tokens, rate limits."""

import random
from datetime import datetime, time, timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.booking.service import BookingProblem, book, lapse_for_token, offer
from winback_app.detection.run import detect
from winback_app.dispatch.render import booking_token
from winback_app.settings import get_settings

from . import factories as f
from .base import WinBackTestCase, concurrently


class BookingCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		self.refs = f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings(
			booking_lead_hours=2, booking_horizon_days=14, booking_appointment_type=f.APPOINTMENT_TYPE
		)

	def lapse_with_link(self, **patient_fields):
		"""A lapsed patient of the chair practitioner, with a booking link."""
		if not frappe.db.exists("Campaign Segment", "T Booking"):
			f.segment("T Booking", "Recall Window", min_days=180, max_days=270)
		p = f.patient(**patient_fields)
		f.past_appointment(p, 200)
		detect()
		[lapse] = f.lapses_of(p)
		token = booking_token({"name": lapse.name, "booking_token_encrypted": None}, get_settings())
		return p, lapse.name, token

	def appointment_at(self, patient, practitioner, unit, start, minutes=30):
		return f.past_appointment(patient, 0, status="Scheduled", at=start) and frappe.db.set_value(
			"Patient Appointment",
			frappe.db.get_value("Patient Appointment", {"patient": patient, "appointment_datetime": start}),
			{"practitioner": practitioner, "service_unit": unit, "duration": minutes},
		)


class TestSlots(BookingCase):
	def test_slots_follow_the_schedule_lead_time_and_appointment_length(self):
		_p, _lapse, token = self.lapse_with_link()
		lapse = lapse_for_token(token)
		slots = offer(lapse)
		self.assertTrue(slots)
		self.assertEqual({s.practitioner for s in slots}, {self.refs["practitioner"]})
		self.assertTrue(all(s.start >= now_datetime() + timedelta(hours=2) for s in slots), "lead time")
		self.assertTrue(all(s.start.date() < add_days(getdate(), 14) for s in slots), "horizon")
		self.assertTrue(all(s.minutes == 30 and s.start.minute in (0, 30) for s in slots), "30-minute steps")
		self.assertTrue(
			all(time(9) <= s.start.time() < time(12) or time(14) <= s.start.time() < time(17) for s in slots)
		)
		mornings = offer(lapse, "morning")
		self.assertTrue(mornings and all(s.start.hour < 12 for s in mornings))

	def test_an_existing_appointment_and_a_holiday_remove_their_slots(self):
		_p, _lapse, token = self.lapse_with_link()
		lapse = lapse_for_token(token)
		day = add_days(getdate(), 3)
		ten = datetime.combine(day, time(10, 0))
		other = f.patient()
		self.appointment_at(other, self.refs["practitioner"], self.refs["chair"], ten)
		starts = {s.start for s in offer(lapse)}
		self.assertNotIn(ten, starts)
		self.assertIn(datetime.combine(day, time(10, 30)), starts, "the next slot is still free")
		holidays = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"_T WB {frappe.generate_hash(length=6)}",
				"from_date": add_days(getdate(), -10),
				"to_date": add_days(getdate(), 30),
				"holidays": [{"holiday_date": add_days(getdate(), 4), "description": "Clinic closed"}],
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Company", f.company(), "default_holiday_list", holidays.name)
		days = {s.start.date() for s in offer(lapse_for_token(token))}
		self.assertNotIn(add_days(getdate(), 4), days)
		self.assertIn(add_days(getdate(), 5), days)

	def test_a_shared_room_takes_two_at_a_time(self):
		_p, lapse_name, token = self.lapse_with_link()
		frappe.db.set_value("Patient Lapse", lapse_name, {"practitioner": self.refs["room_practitioner"]})
		lapse = lapse_for_token(token)
		day = add_days(getdate(), 3)
		ten = datetime.combine(day, time(10, 0))
		half_past = ten + timedelta(minutes=30)
		# One patient in the room at 10:30 (the room's own practitioner): capacity 2 leaves a seat ...
		self.appointment_at(f.patient(), self.refs["room_practitioner"], self.refs["room"], half_past)
		self.assertIn(half_past, {s.start for s in offer(lapse)})
		# ... two at 10:00 (one with another practitioner) fill it.
		self.appointment_at(f.patient(), self.refs["room_practitioner"], self.refs["room"], ten)
		self.appointment_at(f.patient(), self.refs["practitioner"], self.refs["room"], ten)
		self.assertNotIn(ten, {s.start for s in offer(lapse)})
		self.assertIn(datetime.combine(day, time(11, 0)), {s.start for s in offer(lapse)})


class TestBooking(BookingCase):
	def test_booking_creates_one_appointment_and_closes_the_lapse(self):
		p, lapse_name, token = self.lapse_with_link()
		slot = offer(lapse_for_token(token))[0]
		name = book(token, slot.practitioner, slot.start, slot.service_unit)
		appt = frappe.get_doc("Patient Appointment", name)
		self.assertEqual(
			(appt.patient, appt.practitioner, appt.appointment_type, appt.service_unit),
			(p, slot.practitioner, f.APPOINTMENT_TYPE, slot.service_unit),
		)
		self.assertEqual(appt.appointment_datetime, slot.start)
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", lapse_name, ["status", "booked_appointment"]),
			("Booked", name),
		)
		self.assertEqual(
			set(frappe.get_all("Win-Back Contact Attempt", {"lapse": lapse_name}, pluck="status")),
			{"Cancelled"},
		)
		with self.assertRaises(BookingProblem) as used:
			book(token, slot.practitioner, slot.start + timedelta(minutes=30), slot.service_unit)
		self.assertEqual(used.exception.kind, "link", "a used link cannot book again")

	def test_a_slot_taken_meanwhile_is_refused(self):
		_p, _l, token = self.lapse_with_link()
		slot = offer(lapse_for_token(token))[0]
		self.appointment_at(f.patient(), slot.practitioner, slot.service_unit, slot.start)
		with self.assertRaises(BookingProblem) as taken:
			book(token, slot.practitioner, slot.start, slot.service_unit)
		self.assertEqual(taken.exception.kind, "taken")

	def test_expired_unknown_and_guessed_links_fail_alike(self):
		_p, lapse_name, token = self.lapse_with_link()
		frappe.db.set_value(
			"Patient Lapse", lapse_name, "booking_token_expires", now_datetime() - timedelta(minutes=1)
		)
		messages = set()
		for candidate in (token, "A" * 22, "short", "../../etc", None):
			with self.assertRaises(BookingProblem) as problem:
				lapse_for_token(candidate)
			self.assertEqual(problem.exception.kind, "link")
			messages.add(problem.exception.message)
		self.assertEqual(len(messages), 1)

	def test_the_page_shows_first_name_and_times_only(self):
		from winback_app.www.book import get_context

		p, _l, token = self.lapse_with_link(first_name="Robin", last_name="Quimby")
		frappe.local.form_dict = frappe._dict(token=token)
		context = get_context(frappe._dict())
		self.assertEqual(
			(context.state, context.first_name, context.practice_name),
			("choose", "Robin", "Bright Smile Dental"),
		)
		self.assertTrue(context.days and context.days[0]["slots"])
		rendered = frappe.render_template("winback_app/www/book.html", context)
		self.assertIn("Robin", rendered)
		self.assertNotIn("Quimby", rendered, "no surname on the page")
		frappe.local.form_dict = frappe._dict(token="B" * 22)
		self.assertEqual(get_context(frappe._dict()).state, "problem")

	def test_rate_limit_answers_429(self):
		from winback_app.api.booking import book as api_book

		_p, _l, token = self.lapse_with_link()
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		frappe.local.request = Request(
			EnvironBuilder(path="/api/method/winback_app.api.booking.book", method="POST").get_environ()
		)
		frappe.local.request_ip = (
			f"127.0.{random.randrange(256)}.{random.randrange(1, 255)}"  # a fresh counter each run
		)
		frappe.local.form_dict = frappe._dict(token=token, cmd="winback_app.api.booking.book")
		statuses = []
		try:
			for _ in range(8):
				try:
					statuses.append(
						api_book(token=token, practitioner="nobody", start="2026-01-01 10:00:00").status_code
					)
				except frappe.RateLimitExceededError as exc:
					statuses.append(exc.http_status_code)
		finally:
			frappe.local.request = None
		self.assertEqual(statuses[:6], [303] * 6, "each refused booking answers with a page, not an error")
		self.assertEqual(statuses[6:], [429, 429])


class TestDoubleBooking(BookingCase):
	"""Two patients press the same time at the same moment: real concurrent transactions, so data is committed."""

	def tearDown(self):
		frappe.db.rollback()
		# detect() may also have opened lapses for other committed patients in this campaign: remove them all.
		lapses = frappe.get_all("Patient Lapse", {"segment": "T Booking"}, pluck="name")
		frappe.db.delete("Win-Back Contact Attempt", {"lapse": ("in", lapses or [""])})
		frappe.db.delete("Patient Lapse", {"name": ("in", lapses or [""])})
		for child in ("Cadence Touch", "Campaign Segment Filter"):
			frappe.db.delete(child, {"parent": "T Booking"})
		frappe.db.delete("Campaign Segment", {"name": "T Booking"})
		patients = getattr(self, "patients", [])
		frappe.db.delete("Patient Appointment", {"patient": ("in", patients or [""])})
		frappe.db.delete("Win-Back Patient Phone", {"patient": ("in", patients or [""])})
		frappe.db.delete("Patient", {"name": ("in", patients or [""])})
		frappe.db.commit()
		super().tearDown()

	def test_one_slot_one_appointment(self):
		(p1, l1, t1), (p2, l2, t2) = self.lapse_with_link(), self.lapse_with_link()
		self.patients = [p1, p2]
		self.cleanup = [("Patient Lapse", l1), ("Patient Lapse", l2), ("Campaign Segment", "T Booking")]
		for lapse in (l1, l2):
			self.cleanup += [
				("Win-Back Contact Attempt", a)
				for a in frappe.get_all("Win-Back Contact Attempt", {"lapse": lapse}, pluck="name")
			]
		slot = offer(lapse_for_token(t1))[0]
		frappe.db.commit()

		def attempt(token):
			def job():
				try:
					appointment = book(token, slot.practitioner, slot.start, slot.service_unit)
					frappe.db.commit()
					return appointment
				except BookingProblem as problem:
					frappe.db.rollback()
					return problem.kind

			return job

		results, errors = concurrently(attempt(t1), attempt(t2), user="Guest", timeout=120)
		self.assertEqual(errors, [])
		outcomes = dict(zip((t1, t2), results, strict=True))
		booked_names = [v for v in outcomes.values() if frappe.db.exists("Patient Appointment", v)]
		self.assertEqual(
			(len(booked_names), sorted(v for v in outcomes.values() if v not in booked_names)),
			(1, ["taken"]),
			outcomes,
		)
		booked = frappe.get_all(
			"Patient Appointment",
			{
				"appointment_datetime": slot.start,
				"practitioner": slot.practitioner,
				"status": ("!=", "Cancelled"),
			},
			pluck="patient",
		)
		self.assertEqual(len(booked), 1)
		self.assertIn(booked[0], (p1, p2))


class TestSequentialDoubleBooking(BookingCase):
	def test_the_second_patient_on_the_same_slot_is_told_it_is_taken(self):
		(_p1, _l1, t1), (_p2, _l2, t2) = self.lapse_with_link(), self.lapse_with_link()
		slot = offer(lapse_for_token(t1))[0]
		book(t1, slot.practitioner, slot.start, slot.service_unit)
		with self.assertRaises(BookingProblem) as taken:
			book(t2, slot.practitioner, slot.start, slot.service_unit)
		self.assertEqual(taken.exception.kind, "taken")
