"""Inbound texts on a real site, driven through the webhook with real Twilio signatures."""

from twilio.request_validator import RequestValidator

import frappe
from frappe.utils import get_datetime, now_datetime

from winback_app.api.inbox import NumberBlockedError, mark_handled, reply_by_sms
from winback_app.api.sms import inbound

from . import factories as f
from .test_dispatch import WEDNESDAY_NOON, DispatchCase, twilio_post, twilio_settings

URL = "https://clinic.example.com/api/method/winback_app.api.sms.inbound"
AGENT = "winback-desk@example.com"


class InboxCase(DispatchCase):
	def setUp(self):
		f.desk_user(AGENT)  # first: it may commit (a reference record)
		super().setUp()
		twilio_settings()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT)

	def text(self, sender: str, body: str, sid: str | None = None, signature: str | None = None):
		params = {
			"MessageSid": sid or "SM" + frappe.generate_hash(length=32),
			"From": sender,
			"To": "+12025550100",
			"Body": body,
			"NumMedia": "0",
		}
		return twilio_post(inbound, "winback_app.api.sms.inbound", params, signature), params["MessageSid"]

	def patient_with_lapse(self, **fields):
		p, lapse, attempt = self.lapse_due(**fields)
		number = frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		return p, lapse, attempt, number

	def reply_row(self, sid):
		return frappe.get_doc("Win-Back SMS Reply", sid)


class TestWebhook(InboxCase):
	def test_forged_or_unsigned_changes_nothing(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		before = (frappe.db.count("Win-Back SMS Reply"), frappe.db.count("Communication"))
		response, _sid = self.text(number, "STOP", signature="forged")
		self.assertEqual(response.status_code, 403)
		response, _sid = self.text(number, "STOP", signature="")
		self.assertEqual(response.status_code, 403)
		self.assertEqual((frappe.db.count("Win-Back SMS Reply"), frappe.db.count("Communication")), before)
		self.assertFalse(frappe.db.exists("Win-Back SMS Opt-Out", number))

	def test_a_new_auth_token_takes_effect_at_once(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		self.assertEqual(self.text(number, "hello?")[0].status_code, 200)  # the token is now remembered
		f.reset_settings(sending_mode="Twilio", twilio_auth_token="rotated-token-" + "9" * 18)
		self.assertEqual(self.text(number, "hello again?")[0].status_code, 403, "old token refused")
		sid = "SM" + frappe.generate_hash(length=32)
		params = {"MessageSid": sid, "From": number, "To": "+12025550100", "Body": "hi", "NumMedia": "0"}
		params_sig = RequestValidator("rotated-token-" + "9" * 18).compute_signature(URL, params)
		self.assertEqual(self.text(number, "hi", sid=sid, signature=params_sig)[0].status_code, 200)

	def test_replay_is_recorded_once(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		first, sid = self.text(number, "Can I come on Saturday?")
		comms = frappe.db.count("Communication", {"phone_no": number})
		again, _ = self.text(number, "Can I come on Saturday?", sid=sid)
		self.assertEqual((first.status_code, again.status_code), (200, 200))
		self.assertEqual(frappe.db.count("Win-Back SMS Reply", {"message_sid": sid}), 1)
		self.assertEqual(frappe.db.count("Communication", {"phone_no": number}), comms)
		self.assertNotIn(b"<Message>", again.get_data())

	def test_replayed_yes_keeps_the_first_booking_link(self):
		# A lapse that never had a message gets its link from the answer; a replay must not make another.
		_p, lapse, _a, number = self.patient_with_lapse()
		self.assertFalse(frappe.db.get_value("Patient Lapse", lapse, "booking_token_hash"))
		first, sid = self.text(number, "Yes please")
		token_hash = frappe.db.get_value("Patient Lapse", lapse, "booking_token_hash")
		self.assertTrue(token_hash)
		self.assertIn(b"/book/", first.get_data())
		again, _ = self.text(number, "Yes please", sid=sid)
		self.assertNotIn(b"<Message>", again.get_data())
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "booking_token_hash"), token_hash)
		self.assertEqual(frappe.db.count("Win-Back SMS Reply", {"message_sid": sid}), 1)
		answer = first.get_data().decode().split("<Message>")[1].split("</Message>")[0]
		self.assertEqual(self.reply_row(sid).answer, answer)

	def test_stop_opts_out_everywhere_with_exactly_one_confirmation(self):
		p, lapse, attempt, number = self.patient_with_lapse()
		response, sid = self.text(number, "Please stop texting me")
		self.assertEqual(response.mimetype, "text/xml")
		self.assertIn(b"unsubscribed", response.get_data())
		self.assertEqual(
			frappe.db.get_value("Win-Back SMS Opt-Out", number, ["active", "reason", "source"]),
			(1, "Opted Out", "Reply"),
		)
		self.assertEqual(
			frappe.db.get_value("Win-Back SMS Opt-Out", number, "words"), "Please stop texting me"
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", attempt, "status"), "Cancelled")
		again, _ = self.text(number, "STOP")
		self.assertNotIn(b"<Message>", again.get_data(), "one confirmation only")
		self.assertEqual(self.reply_row(sid).intent, "Stop")

	def test_start_reenables_texts_only(self):
		p, lapse, _a, number = self.patient_with_lapse()
		self.text(number, "STOP")
		response, _ = self.text(number, "START")
		self.assertIn(b"again", response.get_data())
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 0)
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out", "the cadence does not restart"
		)

	def test_help_answers_with_practice_and_phone(self):
		_p, _l, _a, number = self.patient_with_lapse()
		response, _ = self.text(number, "HELP")
		self.assertIn(b"Bright Smile Dental", response.get_data())
		self.assertIn(b"(202) 555-0100", response.get_data())

	def test_booking_intent_gets_the_link_then_a_choice(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		response, _ = self.text(number, "Yes please!")
		self.assertIn(b"https://clinic.example.com/book/", response.get_data())
		self.assertIsNotNone(frappe.db.get_value("Patient Lapse", lapse, "choices_offered_on"))
		response, sid = self.text(number, "2")
		self.assertEqual(self.reply_row(sid).category, "Booking")
		self.assertRegex(
			response.get_data().decode(),
			r"in the afternoon: 1\) \w+ \w+ \d+, (12|1|2|3|4):\d\d PM",
			"real afternoon slots from the schedule, numbered to pick by text",
		)

	def test_not_now_snoozes(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		self.text(number, "maybe later")
		until = get_datetime(frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"))
		self.assertAlmostEqual((until - now_datetime()).days, 30, delta=1)

	def test_wrong_number_flags_the_number(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		self.text(number, "You have the wrong number")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "reason"), "Wrong Number")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Closed")

	def test_reason_for_leaving_is_stored(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		self.text(number, "I moved to another state")
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", lapse, ["leave_reason", "status"]), ("Moved", "Closed")
		)

	def test_question_pauses_and_reaches_a_person_at_once(self):
		p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Do you take Delta insurance?")
		self.assertIn(b"will text you back", response.get_data())
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")
		reply = self.reply_row(sid)
		self.assertEqual(
			(reply.patient, reply.lapse, reply.needs_person, reply.intent), (p, lapse, 1, "Question")
		)
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{
					"reference_type": "Win-Back SMS Reply",
					"reference_name": sid,
					"allocated_to": AGENT,
					"status": "Open",
				},
			)
		)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": AGENT, "document_type": "Win-Back SMS Reply", "document_name": sid},
			)
		)
		received = frappe.get_doc("Communication", reply.communication)
		self.assertEqual((received.sent_or_received, received.reference_name), ("Received", lapse))
		self.assertIn(
			("Patient", p), [(link.link_doctype, link.link_name) for link in received.timeline_links]
		)
		mark_handled(sid, "resume")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "In Cadence")
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": sid, "status": "Open"}))

	def test_family_number_is_never_guessed(self):
		parent, parent_lapse, _a, number = self.patient_with_lapse()
		child, child_lapse, _b, _ = self.patient_with_lapse(
			mobile=frappe.db.get_value("Patient", parent, "mobile")
		)
		_response, sid = self.text(number, "Which of us is due?")
		reply = self.reply_row(sid)
		self.assertIsNone(reply.patient)
		self.assertEqual(set(reply.candidates.split("\n")), {parent, child})
		self.assertEqual(reply.needs_person, 1)
		self.assertEqual(
			{frappe.db.get_value("Patient Lapse", x, "status") for x in (parent_lapse, child_lapse)},
			{"In Cadence"},
		)

	def test_unknown_sender_goes_to_a_person(self):
		_response, sid = self.text("+19075550199", "hello?")  # no test patient has a 907 number
		reply = self.reply_row(sid)
		self.assertEqual((reply.patient, reply.needs_person), (None, 1))

	def test_stops_from_many_numbers_at_once_are_all_recorded(self):
		# A locking read of a missing opt-out row takes a gap lock; STOPs arriving together then deadlocked
		# on their inserts (found by the webhook benchmark). Each worker commits, as a web request would.
		from winback_app.contacts.optouts import block_number
		from winback_app.engine.phone import normalize

		from .base import concurrently

		numbers = set()
		while len(numbers) < 6:
			number = normalize(f.mobile(), "US")
			if not frappe.db.exists("Win-Back SMS Opt-Out", number):
				numbers.add(number)
		numbers = sorted(numbers)

		def stop(number):
			def job():
				block_number(number, "Opted Out", source="Reply", words="STOP")
				frappe.db.commit()

			return job

		try:
			_results, errors = concurrently(*(stop(n) for n in numbers))
			self.assertEqual(errors, [])
			self.assertEqual(
				frappe.db.count("Win-Back SMS Opt-Out", {"name": ("in", numbers), "active": 1}), len(numbers)
			)
			self.assertFalse(
				block_number(numbers[0], "Opted Out", source="Reply"), "a repeat changes nothing"
			)
		finally:
			frappe.db.delete("Win-Back SMS Opt-Out", {"name": ("in", numbers)})
			frappe.db.commit()

	def test_a_reply_whose_assignment_job_was_lost_is_assigned_by_the_task(self):
		from winback_app.replies.routing import assign_batch
		from winback_app.tasks import assign_waiting_replies as every_five_minutes

		_p, _lapse, _a, number = self.patient_with_lapse()
		_r, sid = self.text(number, "Is parking free?")
		_r, handled_sid = self.text(number, "And on Sundays?")
		# As if the queued job never ran: no ToDo for either; one of them a person already handled.
		frappe.db.delete("ToDo", {"reference_type": "Win-Back SMS Reply"})
		frappe.db.set_value("Win-Back SMS Reply", handled_sid, "handled", 1)
		self.assertGreaterEqual(every_five_minutes(), 1)
		todos = {
			r: frappe.db.count("ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": r})
			for r in (sid, handled_sid)
		}
		self.assertEqual(todos, {sid: 1, handled_sid: 0})
		self.assertEqual(assign_batch(), 0, "a second run assigns nothing twice")
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": sid}), 1
		)

	def test_stop_while_an_attempt_is_claimed_blocks_it(self):
		from winback_app.engine.sending import Caps
		from winback_app.sending.claim import claim
		from winback_app.sending.run import all_segment_specs, channels_for
		from winback_app.sending.send import send_claimed
		from winback_app.settings import get_settings, send_window

		_p, _l, attempt, number = self.patient_with_lapse()
		claimed = claim(WEDNESDAY_NOON, 100, "t", send_window(), Caps(1, 3), False, all_segment_specs())
		self.text(number, "STOP")
		counts = send_claimed(claimed.to_send, channels_for(get_settings()), get_settings())
		self.assertEqual(counts, {"Skipped": 1})
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", attempt, "status"), "Skipped")


class TestStaffReply(InboxCase):
	def test_staff_reply_goes_through_the_channel_and_onto_the_timeline(self):
		f.reset_settings(sending_mode="Outbox", front_desk_user=AGENT)
		p, lapse, _a, number = self.patient_with_lapse()
		with self.freeze_time(WEDNESDAY_NOON):  # staff texts obey the send window too
			result = reply_by_sms(lapse, "Hi! We have Saturday openings.")
		comm = frappe.get_doc("Communication", result["communication"])
		self.assertEqual((comm.sent_or_received, comm.phone_no, comm.reference_name), ("Sent", number, lapse))
		self.assertIn(("Patient", p), [(link.link_doctype, link.link_name) for link in comm.timeline_links])
		self.assertEqual(result["provider"], "Outbox")

	def test_staff_reply_to_an_opted_out_number_is_refused(self):
		from winback_app.contacts.optouts import block_number

		_p, lapse, _a, number = self.patient_with_lapse()
		block_number(number)
		with self.freeze_time(WEDNESDAY_NOON), self.assertRaises(NumberBlockedError):
			reply_by_sms(lapse, "Hello")
