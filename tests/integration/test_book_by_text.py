"""Book by text (issue 15), whole transcripts through the signed webhook on a real site with practitioner schedules:
from the first text to a confirmed appointment without a link or a person, and every way it must not book."""

from datetime import timedelta

import responses
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import frappe
from frappe.utils import get_datetime, now_datetime

from winback_app.booking.links import booking_token
from winback_app.booking.service import book, lapse_by_name, offer
from winback_app.detection.run import detect_lapses
from winback_app.engine import booking_talk as talk
from winback_app.replies import conversation
from winback_app.setup.default_segments import RECALL_OFFER, RESCUE_OFFER, SMS_FIRST

from . import factories as f
from .base import concurrently
from .test_booking import book_as_the_page
from .test_dispatch import MESSAGES_URL, WEDNESDAY_NOON
from .test_inbox import AGENT, InboxCase
from .test_reply_routing import answer_of


class TextBookingCase(InboxCase):
	def setUp(self):
		super().setUp()
		self.refs = f.reference_records()
		f.reset_settings(
			sending_mode="Twilio",
			front_desk_user=AGENT,
			booking_lead_hours=2,
			booking_horizon_days=14,
			booking_appointment_type=f.APPOINTMENT_TYPE,
			practice_address="12 Example Street, Springfield",
		)
		frappe.db.set_single_value("Healthcare Settings", "send_appointment_confirmation", 0)

	def lapse_asking(self, body: str):
		"""A patient whose first text (due now) is the shipped first text with this body; it is sent at once."""
		name = f"T Text {frappe.generate_hash(length=6)}"
		touch = {"day_offset": 1, "channel": "SMS", "template": SMS_FIRST.format(body=body)}
		f.segment(name, "Recall Window", min_days=180, max_days=270, touches=[touch])
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse.name}, "name")
		frappe.db.set_value(
			"Win-Back Contact Attempt", attempt, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		with responses.RequestsMock() as twilio:  # the network edge: Twilio accepts the text
			twilio.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "a" * 32, "status": "queued"}, status=201
			)
			self.run_once()
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", attempt, "status"), "Sent")
		number = frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		return p, lapse.name, attempt, number

	def say(self, number: str, body: str) -> tuple[str, str]:
		"""The patient texts body; returns (our answer, the reply's name)."""
		response, sid = self.text(number, body)
		self.assertEqual(response.status_code, 200)
		return answer_of(response), sid

	def conv(self, patient: str, number: str) -> frappe._dict:
		row = conversation.find(patient, number)
		self.assertIsNotNone(row, "the conversation is recorded")
		return row

	def offered(self, patient: str, number: str) -> list[talk.Offered]:
		return list(self.conv(patient, number).options)

	def appointments(self, patient: str) -> list[frappe._dict]:
		return frappe.get_all(
			"Patient Appointment",
			{"patient": patient, "appointment_datetime": (">", now_datetime())},
			["name", "appointment_datetime", "practitioner", "service_unit", "status"],
		)

	def assert_booked(self, patient, number, option: talk.Offered, lapse: str, answer: str):
		[appt] = self.appointments(patient)
		self.assertEqual(
			(get_datetime(appt.appointment_datetime), appt.practitioner),
			(option.start, option.practitioner),
			"booked exactly the time picked",
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Booked")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "booked_appointment"), appt.name)
		row = self.conv(patient, number)
		self.assertEqual((row.status, row.pending, row.appointment), ("Booked", "Booked", appt.name))
		# The confirmation: day, date, time, practitioner, the practice's address and phone, a calendar link.
		label = talk.slot_label(option.start, "en")
		for piece in (label.split(",")[0], option.start.strftime("%-I:%M"), "Example Street", "/book/"):
			self.assertIn(piece, answer)
		self.assertIn(f"?done={appt.name}", answer)
		return appt


class TestTranscripts(TextBookingCase):
	def test_yes_then_1_then_a_pick_books_and_confirms(self):
		p, lapse, _a, number = self.patient_with_lapse()
		answer, _ = self.say(number, "yes")
		self.assertIn("1", answer)
		self.assertEqual(self.conv(p, number).pending, "Part of day")
		answer, _ = self.say(number, "1")
		options = self.offered(p, number)
		self.assertTrue(2 <= len(options) <= 3, answer)
		self.assertTrue(all(o.start.hour < 12 for o in options), "mornings only")
		self.assertTrue(all(o.start > now_datetime() for o in options))
		self.assertLessEqual(len(answer), 306, "two SMS segments at most")
		answer, sid = self.say(number, "2")
		self.assert_booked(p, number, options[1], lapse, answer)
		self.assertFalse(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"))
		alert = frappe.get_all(
			"Notification Log",
			{"for_user": AGENT, "document_type": "Patient Appointment"},
			pluck="subject",
		)
		self.assertTrue(any("by text" in s for s in alert), "the front desk hears of it")

	def test_a_number_picked_after_spanish_times_is_confirmed_in_spanish(self):
		"""Found in the session-6 walkthrough: a patient whose record says nothing about language got the times in
		Spanish for "si, por la tarde", then "1" (no language in it) was confirmed in English."""
		p, lapse, _a, number = self.patient_with_lapse()
		answer, _ = self.say(number, "si, por la tarde")
		self.assertIn("Horas libres por la tarde", answer)
		options = self.offered(p, number)
		answer, sid = self.say(number, "1")
		self.assertTrue(answer.startswith("Cita reservada:") or "Cita reservada:" in answer, answer)
		self.assertNotIn("You're booked", answer)
		self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", sid, "language"), "es")
		[appt] = self.appointments(p)
		self.assertEqual(get_datetime(appt.appointment_datetime), options[0].start)
		# An English text that says so is still answered in English.
		answer, _ = self.say(number, "thanks, see you then")
		self.assertNotIn("Cita", answer or "")

	def test_thanks_after_booking_by_text_needs_nobody(self):
		p, lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		options = self.offered(p, number)
		answer, _ = self.say(number, "1")
		appt = self.assert_booked(p, number, options[0], lapse, answer)
		booked_day = options[0].start.strftime("%A")
		for body in ("thanks see you then", "Thank you!", "great thanks", f"thanks! see you {booked_day}"):
			_answer, sid = self.say(number, body)
			self.assertFalse(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"), body)
		# The texts about the appointment are on its timeline too: the pick, our confirmation, the thanks.
		on_appointment = frappe.get_all(
			"Communication Link",
			{"link_doctype": "Patient Appointment", "link_name": appt.name},
			pluck="parent",
		)
		kinds = frappe.get_all(
			"Communication", {"name": ("in", on_appointment)}, pluck="sent_or_received", order_by="creation"
		)
		self.assertEqual(kinds[:2], ["Received", "Sent"], "the pick and the confirmation")
		self.assertEqual(kinds.count("Received"), 5, "and the four thanks")

	def test_after_a_page_booking_thanks_needs_nobody_and_a_change_reaches_a_person(self):
		p, lapse, _a, number = self.patient_with_lapse()
		token = booking_token(
			{"name": lapse, "booking_token_encrypted": None}, frappe.get_cached_doc("Win-Back Settings")
		)
		slot = offer(lapse_by_name(lapse))[0]
		book(token, slot.practitioner, slot.start, slot.service_unit)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Booked")
		_answer, sid = self.say(number, "thanks, see you then!")
		self.assertFalse(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"))
		_answer, sid = self.say(number, "actually I can't make it, can we reschedule")
		self.assertTrue(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"))
		self.assertEqual(len(self.appointments(p)), 1, "nothing booked or cancelled by the texts")

	def test_the_day_1_text_is_answered_directly_with_2(self):
		p, lapse, attempt, number = self.lapse_asking(RECALL_OFFER)
		body = frappe.db.get_value("Win-Back Contact Attempt", attempt, "body")
		self.assertIn("Reply 1 for mornings", body)
		self.assertEqual(self.conv(p, number).pending, "Part of day", "the text's question is registered")
		answer, _ = self.say(number, "2")
		options = self.offered(p, number)
		self.assertTrue(options and all(12 <= o.start.hour < 17 for o in options), answer)
		answer, _ = self.say(number, "the first one")
		self.assert_booked(p, number, options[0], lapse, answer)

	def test_rescue_a_then_yes_books_the_next_available_time(self):
		p, lapse, _attempt, number = self.lapse_asking(RESCUE_OFFER)
		self.assertEqual(self.conv(p, number).pending, "Next available")
		answer, _ = self.say(number, "A")
		[option] = self.offered(p, number)
		self.assertEqual(self.conv(p, number).pending, "Yes to the time", answer)
		self.assertEqual(option.start, offer(lapse_by_name(lapse))[0].start, "the next available time")
		answer, _ = self.say(number, "yes")
		self.assert_booked(p, number, option, lapse, answer)

	def test_thursday_afternoon_gets_thursday_afternoon_times_then_a_pick_books(self):
		p, lapse, _a, number = self.patient_with_lapse()
		answer, _ = self.say(number, "ok thursday afternoon works")
		options = self.offered(p, number)
		self.assertTrue(options, answer)
		self.assertTrue(all(o.start.weekday() == 3 and o.start.hour >= 12 for o in options), answer)
		answer, _ = self.say(number, "3" if len(options) == 3 else "1")
		self.assert_booked(p, number, options[-1] if len(options) == 3 else options[0], lapse, answer)

	def test_none_of_those_brings_other_times(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes, mornings")
		first = self.offered(p, number)
		answer, _ = self.say(number, "none of those work")
		second = self.offered(p, number)
		self.assertTrue(second, answer)
		self.assertFalse({o.start for o in first} & {o.start for o in second}, "other times")
		self.assertTrue(all(o.start.hour < 12 for o in second), "still mornings")
		self.assertEqual(self.conv(p, number).rounds, 2)
		self.assertEqual(self.appointments(p), [])

	def test_an_expired_offer_is_offered_again_never_booked(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes afternoons")
		row = self.conv(p, number)
		frappe.db.set_value(
			"Win-Back Conversation", row.name, "asked_on", now_datetime() - timedelta(hours=30)
		)
		answer, _ = self.say(number, "2")
		self.assertEqual(self.appointments(p), [], "an old offer never books")
		self.assertEqual(self.conv(p, number).pending, "One of the times", answer)
		self.assertTrue(all(o.start.hour >= 12 for o in self.offered(p, number)), "same wishes")

	def test_after_booking_cant_make_it_reaches_a_person_with_the_appointment(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		self.say(number, "1")
		[appt] = self.appointments(p)
		answer, sid = self.say(number, "actually I can't make it, can we reschedule")
		reply = frappe.get_doc("Win-Back SMS Reply", sid)
		self.assertEqual((reply.needs_person, reply.appointment), (1, appt.name))
		self.assertEqual(frappe.db.get_value("Patient Appointment", appt.name, "status"), appt.status)
		self.assertEqual(len(self.appointments(p)), 1, "nothing cancelled or booked on its own")

	def test_a_few_rounds_then_a_person(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		for _ in range(talk.MAX_ROUNDS + 1):
			answer, sid = self.say(number, "none of those")
		self.assertTrue(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"), answer)
		self.assertEqual(self.appointments(p), [])

	def test_the_clinics_own_confirmation_means_no_second_one(self):
		frappe.db.set_single_value("Healthcare Settings", "send_appointment_confirmation", 1)
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		answer, _ = self.say(number, "1")
		self.assertEqual(len(self.appointments(p)), 1)
		self.assertEqual(answer, "", "the host's confirmation SMS is the one confirmation")


class TestNeverBooks(TextBookingCase):
	def test_a_family_number_never_converses(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		sibling = f.patient(mobile=frappe.db.get_value("Patient", p, "mobile"))
		answer, sid = self.say(number, "1")
		self.assertTrue(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"))
		self.assertIsNone(conversation.find(p, number))
		self.assertIsNone(conversation.find(sibling, number))
		self.assertEqual(self.appointments(p), [])

	def test_an_opted_out_number_never_converses(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		self.say(number, "STOP")
		answer, _ = self.say(number, "1")
		self.assertEqual(answer, "")
		self.assertEqual(self.appointments(p), [])

	def test_a_slot_taken_between_offer_and_reply_gets_new_options(self):
		p, _lapse, _a, number = self.patient_with_lapse()
		self.say(number, "yes mornings")
		options = self.offered(p, number)
		# The page books the first option for another patient in the meantime.
		_p2, _l2, _a2, _n2 = self.patient_with_lapse()
		token = booking_token(
			{"name": _l2, "booking_token_encrypted": None}, frappe.get_cached_doc("Win-Back Settings")
		)
		book(token, options[0].practitioner, options[0].start, options[0].service_unit)
		answer, _ = self.say(number, "1")
		self.assertEqual(self.appointments(p), [], "never a double booking")
		again = self.offered(p, number)
		self.assertTrue(again, answer)
		self.assertNotIn(options[0].start, {o.start for o in again})

	def test_a_stranger_gets_no_conversation(self):
		answer, sid = self.say("+12025550187", "1")
		self.assertTrue(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"))
		self.assertFalse(frappe.db.exists("Win-Back Conversation", {"phone": "+12025550187"}))


REPLIES = [
	"yes",
	"1",
	"2",
	"3",
	"A",
	"the first one",
	"none of those",
	"thursday afternoon",
	"tomorrow",
	"next week mornings",
	"no",
	"yes please",
	"2pm",
	"the last one",
	"maybe",
	"after 5",
	"Friday at 10",
]


class TestOnlyWhatWasChosen(TextBookingCase):
	@settings(
		max_examples=12,
		deadline=None,
		suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
		derandomize=True,
	)
	@given(st.lists(st.sampled_from(REPLIES), min_size=1, max_size=5))
	@example(["yes", "1", "2"])  # the paths that do book are always among the examples
	@example(["thursday afternoon", "the last one"])
	@example(["yes", "2", "none of those", "1"])
	def test_no_appointment_is_ever_made_at_a_time_not_offered_and_chosen(self, texts):
		frappe.db.savepoint("example")
		try:
			p, _lapse, _a, number = self.patient_with_lapse()
			for body in texts:
				before = conversation.find(p, number)
				offered = list(before.options) if before else []
				pending = conversation.pending(before, now_datetime(), _lapse) if before else None
				answer, _ = self.say(number, body)
				made = self.appointments(p)
				if made:
					[appt] = made
					reading = talk.read(body, pending, now_datetime().date(), now_datetime().time())
					self.assertEqual(reading.kind, talk.PICK, (texts, body))
					self.assertIn(
						(get_datetime(appt.appointment_datetime), appt.practitioner),
						{(o.start, o.practitioner) for o in offered},
					)
					self.assertEqual(
						(reading.option.start, reading.option.practitioner),
						(get_datetime(appt.appointment_datetime), appt.practitioner),
					)
					break
		finally:
			frappe.db.rollback(save_point="example")


class TestTextAndPageTogether(TextBookingCase):
	"""The page and a text reply race for the same time: real concurrent transactions, so data is committed."""

	def tearDown(self):
		frappe.db.rollback()
		for lapse in getattr(self, "lapses", []):
			frappe.db.delete("Win-Back Contact Attempt", {"lapse": lapse})
			frappe.db.delete("Patient Lapse", {"name": lapse})
		for p in getattr(self, "patients", []):
			for conv in frappe.get_all("Win-Back Conversation", {"patient": p}, pluck="name"):
				frappe.db.delete("Win-Back Offered Time", {"parent": conv})
				frappe.db.delete("Win-Back Conversation", {"name": conv})
			frappe.db.delete("Win-Back SMS Reply", {"patient": p})
		for segment in getattr(self, "segments", []):
			for child in ("Cadence Touch", "Campaign Segment Filter"):
				frappe.db.delete(child, {"parent": segment})
			frappe.db.delete("Campaign Segment", {"name": segment})
		f.remove_committed_patients(getattr(self, "patients", []))
		frappe.db.commit()
		super().tearDown()

	def test_one_time_one_appointment(self):
		p1, l1, _a1, n1 = self.patient_with_lapse()
		p2, l2, _a2, _n2 = self.patient_with_lapse()
		self.patients, self.lapses = [p1, p2], [l1, l2]
		self.segments = [frappe.db.get_value("Patient Lapse", lapse, "segment") for lapse in (l1, l2)]
		self.say(n1, "yes mornings")
		[first, *_rest] = self.offered(p1, n1)
		token = booking_token(
			{"name": l2, "booking_token_encrypted": None}, frappe.get_cached_doc("Win-Back Settings")
		)
		frappe.db.commit()

		def by_text():
			response, _sid = self.text(n1, "1")
			frappe.db.commit()
			return answer_of(response)

		results, errors = concurrently(
			by_text, lambda: book_as_the_page(token, first), user="Guest", timeout=120
		)
		self.assertEqual(errors, [])
		booked = frappe.get_all(
			"Patient Appointment",
			{
				"appointment_datetime": first.start,
				"practitioner": first.practitioner,
				"status": ("!=", "Cancelled"),
			},
			pluck="patient",
		)
		self.assertEqual(len(booked), 1, results)
		self.assertIn(booked[0], (p1, p2))
