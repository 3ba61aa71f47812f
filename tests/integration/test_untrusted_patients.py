"""Patients a stranger can create: the host's public registration web form, and patients of unknown age."""

import json
from datetime import timedelta

import frappe

from winback_app.detection.run import detect_lapses, preview
from winback_app.engine.detection import AGE_UNKNOWN, AGE_UNKNOWN_NO_EMAIL, SELF_REGISTERED
from winback_app.engine.sending import Caps
from winback_app.sending.claim import claim
from winback_app.sending.run import all_segment_specs
from winback_app.settings import send_window

from . import factories as f
from .base import WinBackTestCase
from .test_dispatch import WEDNESDAY_NOON


class UntrustedCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def register_through_the_web_form(self, first_name: str) -> str:
		"""What a stranger does at /patient-registration: the host's own web form, as Guest, with a number to text.

		No email: with one the host invites a website user for it (Patient.invite_user defaults on), and the
		invitation mail is sent and committed at once under tests, which would leak this test's records."""
		from frappe.website.doctype.web_form.web_form import accept

		frappe.set_user("Guest")
		try:
			doc = accept(
				"patient-registration",
				json.dumps(
					{
						"first_name": first_name,
						"last_name": "Stranger",
						"sex": frappe.db.get_value("Gender", {}, "name"),
						"mobile": f.mobile(),
						"dob": "1980-01-01",
					}
				),
			)
		finally:
			frappe.set_user("Administrator")
			frappe.flags.in_web_form = False
		return doc.name


class TestWebFormRegistrations(UntrustedCase):
	def test_a_web_form_patient_is_owned_by_guest(self):
		name = self.register_through_the_web_form("Webby")
		self.assertEqual(frappe.db.get_value("Patient", name, "owner"), "Guest")

	def test_never_booked_campaigns_take_only_staff_records_or_granted_consent(self):
		seg = f.segment("T New Patients", "New Patient Never Booked", min_days=0, max_days=90)
		stranger = self.register_through_the_web_form("Webby")
		consented = self.register_through_the_web_form("Consenting")
		frappe.db.set_value("Patient", consented, "winback_sms_consent", "Granted")
		staff_made = f.patient()  # registered at the front desk (owner: a System User)

		seen = preview(seg)
		self.assertEqual(seen["excluded"].get(SELF_REGISTERED), 1)
		self.assertIn(
			{"patient": stranger, "reason": SELF_REGISTERED},
			[{"patient": x["patient"], "reason": x["reason"]} for x in seen["excluded_sample"]],
		)
		result = detect_lapses()
		self.assertEqual(result["excluded"].get(SELF_REGISTERED), 1)
		self.assertEqual(f.lapses_of(stranger), [])
		self.assertEqual([lapse.segment for lapse in f.lapses_of(consented)], [seg])
		self.assertEqual([lapse.segment for lapse in f.lapses_of(staff_made)], [seg])

	def test_a_web_form_patient_who_really_came_in_joins_visit_based_campaigns(self):
		seg = f.segment("T Recall", "Recall Window", min_days=180, max_days=270)
		patient = self.register_through_the_web_form("Visitor")
		f.past_encounter(patient, 200)
		detect_lapses()
		self.assertEqual([lapse.segment for lapse in f.lapses_of(patient)], [seg])


class TestUnknownAge(UntrustedCase):
	def test_the_default_is_email_only_and_the_reason_shows_in_the_preview(self):
		seg = f.segment("T Recall", "Recall Window", min_days=180, max_days=270)
		with_email = f.patient(dob=None)
		without_email = f.patient(dob=None, email=None)
		for p in (with_email, without_email):
			f.past_appointment(p, 200)
		self.assertEqual(frappe.db.get_single_value("Win-Back Settings", "unknown_age_policy"), "Email only")
		self.assertEqual(preview(seg)["excluded"].get(AGE_UNKNOWN_NO_EMAIL), 1)
		detect_lapses()
		self.assertEqual(len(f.lapses_of(with_email)), 1)
		self.assertEqual(f.lapses_of(without_email), [])

	def test_not_contacted_leaves_them_out(self):
		seg = f.segment("T Recall", "Recall Window", min_days=180, max_days=270)
		f.reset_settings(unknown_age_policy="Not contacted")
		p = f.patient(dob=None)
		f.past_appointment(p, 200)
		self.assertEqual(preview(seg)["excluded"].get(AGE_UNKNOWN), 1)
		detect_lapses()
		self.assertEqual(f.lapses_of(p), [])

	def test_at_send_time_a_text_to_a_patient_of_unknown_age_goes_by_email_instead(self):
		f.segment(
			"T Recall",
			"Recall Window",
			min_days=180,
			max_days=270,
			touches=[{"day_offset": 1, "channel": "SMS", "template": "{{ first_name }}: {{ booking_link }}"}],
		)
		known, unknown = f.patient(), f.patient(dob=None)
		for p in (known, unknown):
			f.past_appointment(p, 200)
		detect_lapses()
		for p in (known, unknown):
			[lapse] = f.lapses_of(p)
			frappe.db.set_value(
				"Win-Back Contact Attempt",
				{"lapse": lapse.name},
				"due_at",
				WEDNESDAY_NOON - timedelta(minutes=1),
			)
		result = claim(WEDNESDAY_NOON, 100, "t-age", send_window(), Caps(5, 5), False, all_segment_specs())
		channels = {c.attempt["patient"]: c.decision.channel for c in result.to_send}
		self.assertEqual(channels, {known: "SMS", unknown: "Email"})
