"""Consent chosen, not assumed, on a real site: a fresh site has no policy until the manager chooses one, no
campaign can be enabled before that, the form says what each choice means, and "only patients who granted
consent" holds for email at detection and at send time."""

from datetime import datetime, timedelta

import frappe

from winback_app.detection.run import detect_lapses
from winback_app.engine.detection import NO_CONSENT
from winback_app.engine.sending import Caps
from winback_app.sending.claim import claim
from winback_app.sending.run import all_segment_specs, channels_for
from winback_app.sending.send import RunState, send_claimed
from winback_app.settings import detection_policy, get_settings, require_consent, send_window

from . import factories as f
from .base import WinBackTestCase

WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0)
ONLY_WITH_CONSENT = "Only patients who granted consent"
EMAIL_TOUCH = [
	{
		"day_offset": 1,
		"channel": "Email",
		"email_subject": "Hi {{ first_name }}",
		"template": "{{ booking_link }}",
	}
]


class TestConsentIsChosen(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def test_a_fresh_site_has_no_policy_and_assumes_no_consent(self):
		meta = frappe.get_meta("Win-Back Settings").get_field("sms_consent_policy")
		self.assertFalse(meta.default, "nothing is chosen for the manager")
		self.assertEqual(
			meta.options.split("\n")[0], "", "the form starts empty, so a save asks for a choice"
		)
		self.assertIn("Only patients who granted consent", meta.description)
		self.assertIn("Everyone not opted out", meta.description)
		frappe.db.set_single_value("Win-Back Settings", "sms_consent_policy", "")
		self.assertTrue(require_consent(get_settings()))
		self.assertTrue(detection_policy().require_sms_consent)
		settings = frappe.get_single("Win-Back Settings")
		with self.assertRaises(frappe.MandatoryError):
			settings.save(ignore_permissions=True)

	def test_no_campaign_is_enabled_before_the_policy_is_chosen(self):
		frappe.db.set_single_value("Win-Back Settings", "sms_consent_policy", "")
		with self.assertRaises(frappe.ValidationError) as caught:
			f.segment("T Consent Off", "Recall Window", min_days=180, max_days=270)
		self.assertIn("Texts and emails go to", str(caught.exception))
		f.segment("T Consent Draft", "Recall Window", min_days=180, max_days=270, enabled=0)

	def test_only_with_consent_holds_for_email_at_detection_and_at_send(self):
		f.reset_settings(sms_consent_policy=ONLY_WITH_CONSENT)
		f.segment("T Consent Email", "Recall Window", min_days=180, max_days=270, touches=EMAIL_TOUCH)
		unknown = f.patient()
		granted = f.patient(winback_sms_consent="Granted")
		for p in (unknown, granted):
			f.past_appointment(p, 200)
		result = detect_lapses()
		self.assertEqual(f.lapses_of(unknown), [], "no consent: not even an email")
		self.assertGreaterEqual(result["excluded"].get(NO_CONSENT, 0), 1)
		[lapse] = f.lapses_of(granted)
		# Consent is withdrawn to Unknown (a data fix at the desk) before the email leaves: it does not leave.
		frappe.db.set_value("Patient", granted, "winback_sms_consent", "Unknown")
		attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse.name})
		frappe.db.set_value(
			"Win-Back Contact Attempt", attempt, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		s = get_settings()
		claimed = claim(
			WEDNESDAY_NOON,
			50,
			"test-consent",
			send_window(),
			Caps(5, 5),
			require_consent(s),
			all_segment_specs(),
			{},
		)
		send_claimed(claimed.to_send, channels_for(s), s, run=RunState(clock=lambda: WEDNESDAY_NOON))
		row = frappe.db.get_value(
			"Win-Back Contact Attempt", attempt, ["status", "skip_reason"], as_dict=True
		)
		self.assertEqual((row.status, row.skip_reason), ("Skipped", "No consent on file"))
