"""The demo clinic shows the playbook through the real paths: a missed appointment rescued by text (the rescue
job, the dispatcher's text offering A, the patient's "A" and "YES" through the webhook's handler, the booking
service), and Spanish-speaking patients who get the campaigns' Spanish words. The demo is committed (it runs
in stages), so it is removed again afterwards."""

import frappe

from winback_app import demo

from . import factories as f
from .base import WinBackTestCase


class TestDemoPlaybook(WinBackTestCase):
	def tearDown(self):
		frappe.db.rollback()
		demo.remove()
		f.only_these_segments_enabled()
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def test_the_demo_rescues_a_missed_appointment_by_text_and_speaks_spanish(self):
		f.reference_records()
		frappe.db.commit()
		result = demo.seed(patients=80, force=True)
		rescued = result["rescued_by_text"]
		self.assertEqual(rescued.get("status"), "Booked", rescued)
		self.assertTrue(frappe.db.exists("Patient Appointment", rescued["appointment"]))
		lapse = frappe.get_doc("Patient Lapse", rescued["lapse"])
		self.assertEqual(
			frappe.db.get_value("Campaign Segment", lapse.segment, "rule_kind"), "Missed Appointment"
		)
		first_text = frappe.db.get_value(
			"Win-Back Contact Attempt",
			{"lapse": lapse.name, "day_offset": 1},
			["status", "body"],
			as_dict=True,
		)
		self.assertEqual(first_text.status, "Sent")
		self.assertIn("Reply A", first_text.body)
		replies = frappe.get_all("Win-Back SMS Reply", filters={"patient": lapse.patient}, pluck="body")
		self.assertEqual(
			sorted(replies), ["A", "YES"], "the patient's answers went through the webhook's handler"
		)

		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		Patient = frappe.qb.DocType("Patient")
		spanish = (
			frappe.qb.from_(Attempt)
			.join(Patient)
			.on(Patient.name == Attempt.patient)
			.select(Attempt.body)
			.where(Patient.language == "es")
			.where(Attempt.channel == "SMS")
			.where(Attempt.status == "Sent")
			.where(Attempt.day_offset == 1)
			.run(pluck=True)
		)
		self.assertTrue(spanish, "some Spanish-speaking demo patients got their first text")
		for body in spanish:
			self.assertIn("Responda STOP", body)
			self.assertNotIn("Reply STOP", body)

		# A child of the demo is reached through their mother: her number, words for a parent naming the child.
		child = frappe.get_all(
			"Patient Lapse", {"guardian": ("is", "set")}, ["name", "patient", "guardian", "mobile"]
		)
		self.assertEqual(len(child), 1, child)
		mother = frappe.db.get_value(
			"Win-Back Patient Phone", {"patient": child[0].guardian, "source": "Mobile"}, "phone"
		)
		self.assertEqual(child[0].mobile, mother)
		sent = frappe.db.get_value(
			"Win-Back Contact Attempt",
			{"lapse": child[0].name, "status": "Sent", "channel": "SMS", "day_offset": 1},
			["to_address", "body"],
			as_dict=True,
		)
		self.assertIsNotNone(sent, "the demo's sending cycle sends the first text")
		self.assertEqual(sent.to_address, mother)
		self.assertIn("Leo's", sent.body)
