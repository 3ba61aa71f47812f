"""Links that always work, on a real site: a lapse with no practitioner offers its department's or the clinic's
online-bookable practitioners, and an expired link is renewed by the next message or answer."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import now_datetime

from winback_app.booking.links import booking_token
from winback_app.booking.reader import practitioners_for
from winback_app.booking.service import BookingProblem, lapse_for_token, offer
from winback_app.detection.run import detect_lapses
from winback_app.engine.sending import Caps
from winback_app.sending.channels.outbox import OutboxChannel
from winback_app.sending.claim import claim
from winback_app.sending.run import all_segment_specs, channels_for
from winback_app.sending.send import RunState, send_claimed
from winback_app.settings import get_settings, send_window

from . import factories as f
from .base import WinBackTestCase

WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0)


class LinksCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		self.refs = f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings(
			booking_lead_hours=2, booking_horizon_days=14, booking_appointment_type=f.APPOINTMENT_TYPE
		)

	def new_patient_lapse(self) -> tuple[str, str]:
		"""A registered patient who never booked: the lapse names no practitioner and no department."""
		f.segment("T Links New", "New Patient Never Booked", min_days=7, max_days=90)
		p = f.patient()
		frappe.db.set_value("Patient", p, "creation", now_datetime() - timedelta(days=10))
		detect_lapses()
		[lapse] = f.lapses_of(p)
		return p, lapse.name

	def send_due(self, attempt: str) -> list[dict]:
		"""Make this attempt due and run one dispatcher chunk."""
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		frappe.qb.update(Attempt).set(Attempt.due_at, WEDNESDAY_NOON - timedelta(minutes=1)).where(
			Attempt.name == attempt
		).run()
		s = get_settings()
		result = claim(
			WEDNESDAY_NOON, 500, "test-links", send_window(), Caps(50, 50), False, all_segment_specs(), {}
		)
		channels = {**channels_for(s), "Call Task": OutboxChannel()}
		send_claimed(result.to_send, channels, s, run=RunState(clock=lambda: WEDNESDAY_NOON))
		return result.to_send


def token_in(body: str) -> str:
	return body.split("/book/")[1].split()[0].rstrip(".")


class TestWhoALinkOffers(LinksCase):
	def test_a_new_patient_is_offered_the_clinics_scheduled_practitioners(self):
		_p, lapse = self.new_patient_lapse()
		row = frappe.db.get_value("Patient Lapse", lapse, ["practitioner", "department"], as_dict=True)
		self.assertEqual((row.practitioner, row.department), (None, None))
		token = booking_token({"name": lapse, "booking_token_encrypted": None}, get_settings())
		slots = offer(lapse_for_token(token))
		self.assertTrue(slots, "the link leads to times")
		offered = {s.practitioner for s in slots}
		self.assertTrue({self.refs["practitioner"], self.refs["room_practitioner"]} <= offered)

	def test_a_department_without_a_practitioner_offers_that_departments_people(self):
		self.assertEqual(practitioners_for(None, f.ROOM_DEPARTMENT), [self.refs["room_practitioner"]])

	def test_a_practitioner_who_left_is_replaced_by_the_department(self):
		frappe.db.set_value("Healthcare Practitioner", self.refs["practitioner"], "status", "Disabled")
		who = practitioners_for(self.refs["practitioner"], f.ROOM_DEPARTMENT)
		self.assertEqual(who, [self.refs["room_practitioner"]])
		everyone = practitioners_for(self.refs["practitioner"], f.DEPARTMENT)
		self.assertNotIn(self.refs["practitioner"], everyone, "never a practitioner who cannot be booked")
		self.assertIn(self.refs["room_practitioner"], everyone, "the department has nobody left: the clinic")

	def test_an_active_practitioner_without_a_schedule_is_not_offered(self):
		unscheduled = frappe.get_doc(
			{
				"doctype": "Healthcare Practitioner",
				"first_name": f"_Test WB Unscheduled {frappe.generate_hash(length=4)}",
				"status": "Active",
				"department": f.ROOM_DEPARTMENT,
			}
		).insert(ignore_permissions=True)
		self.assertNotIn(unscheduled.name, practitioners_for(unscheduled.name, None))
		self.assertNotIn(unscheduled.name, practitioners_for(unscheduled.name, f.ROOM_DEPARTMENT))


class TestExpiredLinksAreRenewed(LinksCase):
	def lapse_with_two_texts(self):
		touches = [
			{
				"day_offset": 1,
				"channel": "SMS",
				"template": "{{ first_name }}: {{ booking_link }} {{ opt_out_text }}",
			},
			{"day_offset": 9, "channel": "SMS", "template": "{{ first_name }} again: {{ booking_link }}"},
		]
		f.segment("T Links Renew", "Recall Window", min_days=180, max_days=270, touches=touches)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		return lapse.name

	def test_the_next_message_after_expiry_carries_a_new_working_link(self):
		lapse = self.lapse_with_two_texts()
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		earlier = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse, "day_offset": 1})
		later = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse, "day_offset": 9})
		frappe.qb.update(Attempt).set(Attempt.due_at, WEDNESDAY_NOON + timedelta(days=30)).where(
			Attempt.name == later
		).run()
		self.send_due(earlier)
		first = frappe.db.get_value("Win-Back Contact Attempt", earlier, "body")
		old = token_in(first)
		self.assertEqual(lapse_for_token(old).name, lapse)
		# The link's days run out before the day-9 text.
		frappe.db.set_value(
			"Patient Lapse", lapse, "booking_token_expires", now_datetime() - timedelta(hours=1)
		)
		with self.assertRaises(BookingProblem):
			lapse_for_token(old)
		self.send_due(later)
		second = frappe.db.get_value("Win-Back Contact Attempt", later, ["status", "body"], as_dict=True)
		self.assertEqual(second.status, "Sent")
		new = token_in(second.body)
		self.assertNotEqual(new, old, "never an expired link again")
		self.assertEqual(lapse_for_token(new).name, lapse, "the new link works")
		with self.assertRaises(BookingProblem):
			lapse_for_token(old)

	def test_a_link_about_to_expire_is_renewed_too_and_a_fresh_one_is_kept(self):
		lapse = self.lapse_with_two_texts()
		fresh = booking_token({"name": lapse, "booking_token_encrypted": None}, get_settings())
		encrypted = frappe.db.get_value("Patient Lapse", lapse, "booking_token_encrypted")
		again = booking_token({"name": lapse, "booking_token_encrypted": encrypted}, get_settings())
		self.assertEqual(again, fresh, "a link with days left is repeated")
		frappe.db.set_value(
			"Patient Lapse", lapse, "booking_token_expires", now_datetime() + timedelta(hours=3)
		)
		renewed = booking_token({"name": lapse, "booking_token_encrypted": encrypted}, get_settings())
		self.assertNotEqual(renewed, fresh, "an answer never sends a link that dies within hours")
		self.assertEqual(lapse_for_token(renewed).name, lapse)


class TestFirstConfiguration(LinksCase):
	def test_enabling_a_campaign_without_an_online_appointment_type_says_what_is_missing(self):
		f.reset_settings(booking_appointment_type=None)
		frappe.local.message_log = []
		f.segment("T Links Type", "Recall Window", min_days=180, max_days=270)
		said = " ".join(str(m) for m in frappe.local.message_log)
		self.assertIn("Appointment type for online bookings", said)
		frappe.local.message_log = []
		f.reset_settings(booking_appointment_type=f.APPOINTMENT_TYPE)
		f.segment("T Links Type 2", "Recall Window", min_days=180, max_days=270)
		said = " ".join(str(m) for m in frappe.local.message_log)
		self.assertNotIn("Appointment type for online bookings", said)
