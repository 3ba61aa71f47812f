"""Minors reached through a parent (issue 16), on a real site: the host's Patient Relation names the parent,
detection writes the lapse to the parent's number, the dispatcher sends the parent words that name both, the
parent's replies count as the child's (a "not now", a STOP, a booking by text books the child), and a parent
who is no longer on the record, or deleted, is not written to."""

from datetime import timedelta

import responses

import frappe
from frappe.utils import add_years, getdate

from winback_app.detection.run import detect_lapses
from winback_app.engine.detection import MINOR, MINOR_NO_GUARDIAN, MINOR_SELF_REGISTERED
from winback_app.sending.claim import GUARDIAN_NOT_ON_RECORD

from . import factories as f
from .test_book_by_text import TextBookingCase
from .test_dispatch import MESSAGES_URL, WEDNESDAY_NOON


def phone_of(patient: str) -> str | None:
	return frappe.db.get_value("Win-Back Patient Phone", {"patient": patient, "source": "Mobile"}, "phone")


class GuardianCase(TextBookingCase):
	def setUp(self):
		super().setUp()  # Twilio mode, a front desk, online booking, minimum age 18
		self.reach_through_parents(True)

	def reach_through_parents(self, on: bool):
		settings = frappe.get_single("Win-Back Settings")
		settings.reach_minors_through_guardian = int(on)
		settings.save(ignore_permissions=True)

	def family(self, relation="Mother", parent_fields=None, child_fields=None):
		"""A parent and a ten-year-old with a visit 200 days ago, the parent on the child's record."""
		parent = f.patient(first_name="Maria", **(parent_fields or {}))
		kid = f.patient(
			first_name="Leo",
			dob=add_years(getdate(), -10),
			**{"mobile": "", "email": "", **(child_fields or {})},
		)
		doc = frappe.get_doc("Patient", kid)
		doc.append("patient_relation", {"relation": relation, "patient": parent})
		doc.save(ignore_permissions=True)
		f.past_appointment(kid, 200)
		return parent, kid

	def campaign(self, template=None):
		name = f"T Minor {frappe.generate_hash(length=6)}"
		touch = {
			"day_offset": 1,
			"channel": "SMS",
			"template": template
			or "{{ first_name }}, it's {{ practice_name }}: time to book {{ booking_link }}",
		}
		f.segment(name, "Recall Window", min_days=180, max_days=270, touches=[touch])
		return name

	def send_due(self, lapse: str) -> frappe._dict:
		attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse}, "name")
		frappe.db.set_value(
			"Win-Back Contact Attempt", attempt, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
			twilio.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "b" * 32, "status": "queued"}, status=201
			)
			self.run_once()
			sent_to = [call.request.body for call in twilio.calls]
		row = frappe.db.get_value(
			"Win-Back Contact Attempt",
			attempt,
			["name", "status", "skip_reason", "to_address", "body"],
			as_dict=True,
		)
		row.requests = sent_to
		return row


class TestDetection(GuardianCase):
	def test_off_the_minor_is_left_out_as_before(self):
		self.reach_through_parents(False)
		self.campaign()
		_parent, kid = self.family()
		result = detect_lapses()
		self.assertEqual(f.lapses_of(kid), [])
		self.assertGreaterEqual(result["excluded"].get(MINOR, 0), 1)

	def test_on_the_lapse_is_written_to_the_parents_number(self):
		self.campaign()
		parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		row = frappe.db.get_value("Patient Lapse", lapse.name, ["guardian", "mobile", "email"], as_dict=True)
		self.assertEqual(row.guardian, parent)
		self.assertEqual(row.mobile, phone_of(parent))
		self.assertEqual(row.email, frappe.db.get_value("Patient", parent, "email"))

	def test_a_relation_that_is_not_a_parent_does_not_count(self):
		self.campaign()
		_spouse, kid = self.family(relation="Siblings")
		result = detect_lapses()
		self.assertEqual(f.lapses_of(kid), [])
		self.assertGreaterEqual(result["excluded"].get(MINOR_NO_GUARDIAN, 0), 1)

	def test_a_child_registered_through_the_public_form_is_not_reached_through_a_parent(self):
		self.campaign()
		_parent, kid = self.family()
		frappe.db.set_value(
			"Patient", kid, "owner", "Guest", update_modified=False
		)  # as the web form writes it
		result = detect_lapses()
		self.assertEqual(f.lapses_of(kid), [])
		self.assertGreaterEqual(result["excluded"].get(MINOR_SELF_REGISTERED, 0), 1)

	def test_a_parent_marked_do_not_contact_leaves_the_child_out(self):
		self.campaign()
		_parent, kid = self.family(parent_fields={"winback_do_not_contact": 1})
		result = detect_lapses()
		self.assertEqual(f.lapses_of(kid), [])
		self.assertGreaterEqual(result["excluded"].get(MINOR_NO_GUARDIAN, 0), 1)


class TestSending(GuardianCase):
	def test_the_parent_gets_words_that_name_both(self):
		self.campaign()
		parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		sent = self.send_due(lapse.name)
		self.assertEqual((sent.status, sent.to_address), ("Sent", phone_of(parent)))
		self.assertIn("Maria", sent.body)
		self.assertIn("Leo's next visit", sent.body)
		self.assertIn("/book/", sent.body)
		self.assertIn("STOP", sent.body, "the first text to the parent's number says how to opt out")
		self.assertNotIn(
			"time to book", sent.body, "the campaign's words to the patient are not sent to a parent"
		)
		comm = frappe.db.get_value("Win-Back Contact Attempt", sent.name, "communication")
		links = frappe.get_all(
			"Communication Link", {"parent": comm, "link_doctype": "Patient"}, pluck="link_name"
		)
		self.assertEqual(links, [kid], "on the child's timeline")

	def test_a_spanish_speaking_parent_gets_spanish(self):
		self.campaign()
		_parent, kid = self.family(parent_fields={"language": "es"})
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		sent = self.send_due(lapse.name)
		self.assertIn("le toca su siguiente visita", sent.body)
		self.assertIn("Responda STOP", sent.body)

	def test_a_managers_words_for_parents_are_sent_as_written(self):
		self.campaign(
			"Hi {{ guardian_first_name }}, {{ practice_name }} here: {{ first_name }} is due. {{ booking_link }}"
		)
		_parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		sent = self.send_due(lapse.name)
		self.assertTrue(sent.body.startswith("Hi Maria, Bright Smile Dental here: Leo is due."), sent.body)

	def test_the_campaign_preview_shows_what_the_parent_gets(self):
		from winback_app.api.campaign_segment import preview_messages

		segment = self.campaign()
		_parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		preview = preview_messages(segment, lapse.name)
		[step] = preview["steps"]
		self.assertEqual(step["problem"], "")
		self.assertTrue(step["body"].startswith("Maria, it's Bright Smile Dental: it's time for Leo's"), step)
		sent = self.send_due(lapse.name)
		self.assertEqual(sent.body.split("/book/")[0], step["body"].split("/book/")[0], "what leaves")

	def test_a_parent_taken_off_the_record_is_not_written_to(self):
		self.campaign()
		_parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		doc = frappe.get_doc("Patient", kid)
		doc.patient_relation = []
		doc.save(ignore_permissions=True)
		sent = self.send_due(lapse.name)
		self.assertEqual((sent.status, sent.skip_reason), ("Skipped", GUARDIAN_NOT_ON_RECORD))
		self.assertEqual(sent.requests, [], "nothing reached Twilio")

	def test_the_parents_stop_holds_for_the_child(self):
		self.campaign()
		parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		number = phone_of(parent)
		self.say(number, "STOP")
		self.assertTrue(frappe.db.get_value("Win-Back SMS Opt-Out", {"name": number, "active": 1}))
		sent = self.send_due(lapse.name)
		self.assertNotEqual(sent.status, "Sent")
		self.assertEqual(sent.requests, [])

	def test_deleting_the_parent_stops_the_childs_win_back(self):
		self.campaign()
		parent, kid = self.family()
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		frappe.delete_doc("Patient", parent, ignore_permissions=True, force=True)
		row = frappe.db.get_value(
			"Patient Lapse", lapse.name, ["status", "guardian", "mobile", "email"], as_dict=True
		)
		self.assertEqual((row.status, row.guardian, row.mobile, row.email), ("Closed", None, None, None))


class TestReplies(GuardianCase):
	def sent_family(self, **kw):
		self.campaign()
		parent, kid = self.family(**kw)
		detect_lapses()
		[lapse] = f.lapses_of(kid)
		self.send_due(lapse.name)
		return parent, kid, lapse.name, phone_of(parent)

	def test_the_parents_reply_is_the_childs(self):
		parent, kid, lapse, number = self.sent_family()
		_answer, sid = self.say(number, "not now, maybe in the spring")
		reply = frappe.db.get_value(
			"Win-Back SMS Reply", sid, ["patient", "lapse", "communication"], as_dict=True
		)
		self.assertEqual((reply.patient, reply.lapse), (kid, lapse))
		self.assertTrue(
			frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"), "the child's win-back waits"
		)
		# The text, then our answer: in that order on the timeline (one request writes both).
		said = frappe.get_all(
			"Communication",
			{"reference_doctype": "Patient Lapse", "reference_name": lapse, "communication_medium": "SMS"},
			["sent_or_received", "communication_date"],
			order_by="communication_date desc",
			limit=2,
		)
		self.assertEqual([c.sent_or_received for c in said], ["Sent", "Received"], "the answer comes after")
		self.assertLess(said[1].communication_date, said[0].communication_date)
		# On the child's timeline, written by the parent (as the timeline names its author).
		self.assertEqual(
			frappe.db.get_value("Communication", reply.communication, "sender_full_name"),
			frappe.db.get_value("Patient", parent, "patient_name"),
		)

	def test_the_parent_books_the_child_by_text(self):
		parent, kid, lapse, number = self.sent_family()
		offer, _sid = self.say(number, "yes, mornings please")
		self.assertIn("For Leo:", offer)
		options = self.offered(kid, number)
		self.assertTrue(options, "times offered for the child")
		answer, _sid = self.say(number, "1")
		appt = self.assert_booked(kid, number, options[0], lapse, answer)
		self.assertTrue(answer.startswith("For Leo: You're booked"), answer)
		self.assertEqual(frappe.db.get_value("Patient Appointment", appt.name, "patient"), kid)
		self.assertEqual(self.appointments(parent), [], "never the parent")

	def test_after_the_child_is_booked_the_parents_texts_are_still_the_childs(self):
		parent, kid, lapse, number = self.sent_family()
		self.say(number, "yes, mornings please")
		self.say(number, "1")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Booked")
		_answer, sid = self.say(number, "thanks, see you then")
		reply = frappe.db.get_value("Win-Back SMS Reply", sid, ["patient", "needs_person"], as_dict=True)
		self.assertEqual(
			(reply.patient, reply.needs_person), (kid, 0), "about the child's appointment, nobody needed"
		)
		_answer, sid = self.say(number, "STOP")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", sid, "patient"), kid)
		self.assertTrue(frappe.db.get_value("Win-Back SMS Opt-Out", {"name": number, "active": 1}))
		self.assertEqual(self.appointments(parent), [])

	def test_the_childs_patient_form_shows_the_parents_number_state(self):
		from winback_app.api.patient import state

		_parent, kid, _lapse, number = self.sent_family()
		self.assertEqual(state(kid)["texts"], frappe._("allowed"), "texted on the parent's number")
		self.say(number, "STOP")
		self.assertNotEqual(state(kid)["texts"], frappe._("allowed"))
		self.assertNotEqual(state(kid)["texts"], frappe._("no mobile number"))

	def test_a_parent_in_a_win_back_of_their_own_goes_to_a_person(self):
		parent, kid, _lapse, number = self.sent_family()
		f.past_appointment(parent, 200)
		detect_lapses()
		self.assertTrue(f.lapses_of(parent), "the parent lapsed too")
		_answer, sid = self.say(number, "1")
		reply = frappe.db.get_value(
			"Win-Back SMS Reply", sid, ["patient", "needs_person", "candidates"], as_dict=True
		)
		self.assertIsNone(reply.patient, "two people on the number: nobody is guessed")
		self.assertTrue(reply.needs_person)
		self.assertEqual(self.appointments(kid) + self.appointments(parent), [])
