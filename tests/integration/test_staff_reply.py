"""Reply by text on a real site: the rules a staff text obeys, and the conversation view's own-texts-only read."""

from datetime import datetime, timedelta

import frappe

from winback_app.api.inbox import NumberBlockedError, StaffTextRefusedError, conversation, reply_by_sms

from . import factories as f
from .test_dispatch import WEDNESDAY_NOON, DispatchCase

AGENT = "winback-desk@example.com"
WEDNESDAY_8PM = datetime(2026, 11, 18, 20, 0)  # after the 9-19 window, inside 8-21 (America/New_York)
WEDNESDAY_2130 = datetime(2026, 11, 18, 21, 30)


class StaffReplyCase(DispatchCase):
	def setUp(self):
		f.desk_user(AGENT)
		super().setUp()
		f.reset_settings(sending_mode="Outbox", front_desk_user=AGENT)

	def patient_with_lapse(self, **fields):
		p, lapse, _attempt = self.lapse_due(**fields)
		frappe.db.set_value("Patient", p, "winback_time_zone", "America/New_York")
		number = frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		return p, lapse, number

	def patient_texted(self, p, lapse, number, at: datetime) -> str:
		return (
			frappe.get_doc(
				{
					"doctype": "Win-Back SMS Reply",
					"message_sid": "SM" + frappe.generate_hash(length=32),
					"from_number": number,
					"patient": p,
					"lapse": lapse,
					"received_on": at,
					"body": "Can I come Saturday?",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)


class TestStaffTextRules(StaffReplyCase):
	def test_inside_the_window_it_goes_and_the_next_one_meets_the_daily_cap(self):
		_p, lapse, _n = self.patient_with_lapse()
		frappe.set_user(AGENT)
		with self.freeze_time(WEDNESDAY_NOON):
			self.assertEqual(reply_by_sms(lapse, "We have Saturday openings.")["provider"], "Outbox")
		with self.freeze_time(WEDNESDAY_NOON + timedelta(hours=1)):
			with self.assertRaises(StaffTextRefusedError) as refused:
				reply_by_sms(lapse, "Any news?")
		self.assertIn("today", str(refused.exception))

	def test_do_not_contact_and_revoked_consent_refuse(self):
		p, lapse, _n = self.patient_with_lapse()
		frappe.set_user(AGENT)
		for field, value in (("winback_do_not_contact", 1), ("winback_sms_consent", "Revoked")):
			frappe.db.set_value("Patient", p, {"winback_do_not_contact": 0, "winback_sms_consent": "Unknown"})
			frappe.db.set_value("Patient", p, field, value)
			with self.freeze_time(WEDNESDAY_NOON), self.assertRaises(StaffTextRefusedError):
				reply_by_sms(lapse, "Hello")

	def test_an_opted_out_number_is_refused_even_right_after_it_texted(self):
		from winback_app.contacts.optouts import block_number

		p, lapse, number = self.patient_with_lapse()
		self.patient_texted(p, lapse, number, WEDNESDAY_NOON - timedelta(minutes=5))
		block_number(number)
		frappe.set_user(AGENT)
		with self.freeze_time(WEDNESDAY_NOON), self.assertRaises(NumberBlockedError):
			reply_by_sms(lapse, "Hello")

	def test_evening_a_reply_within_the_hour_goes_but_not_after_21(self):
		p, lapse, number = self.patient_with_lapse()
		frappe.set_user(AGENT)
		with self.freeze_time(WEDNESDAY_8PM), self.assertRaises(StaffTextRefusedError) as closed:
			reply_by_sms(lapse, "Hello")
		self.assertIn("Thu 09:00", str(closed.exception))
		self.patient_texted(p, lapse, number, WEDNESDAY_8PM - timedelta(minutes=20))
		with self.freeze_time(WEDNESDAY_8PM):
			self.assertTrue(reply_by_sms(lapse, "Yes, Saturday 10:00 works!")["conversation"])
		self.patient_texted(p, lapse, number, WEDNESDAY_2130 - timedelta(minutes=5))
		with self.freeze_time(WEDNESDAY_2130), self.assertRaises(StaffTextRefusedError) as late:
			reply_by_sms(lapse, "See you then")
		self.assertIn("21:00", str(late.exception))


class TestConversationView(StaffReplyCase):
	def test_only_the_apps_own_texts_are_shown(self):
		p, lapse, number = self.patient_with_lapse()
		reply = self.patient_texted(p, lapse, number, WEDNESDAY_NOON)
		mine = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_medium": "SMS",
				"sent_or_received": "Received",
				"content": "Can I come Saturday?",
				"phone_no": number,
				"reference_doctype": "Win-Back SMS Reply",
				"reference_name": reply,
			}
		).insert(ignore_permissions=True)
		# Another app's (or a person's) text with the same number, on a record the agent may not read.
		foreign = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_medium": "SMS",
				"sent_or_received": "Received",
				"content": "Lab result: confidential",
				"phone_no": number,
				"reference_doctype": "Patient",
				"reference_name": p,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(AGENT)
		contents = [row.content for row in conversation(reply)]
		self.assertIn(mine.content, contents)
		self.assertNotIn(foreign.content, contents)

	def test_the_caller_must_be_able_to_read_the_reply(self):
		p, lapse, number = self.patient_with_lapse()
		reply = self.patient_texted(p, lapse, number, WEDNESDAY_NOON)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			conversation(reply)
