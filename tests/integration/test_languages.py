"""A step in the patient's language, on a real site: the Spanish words of a step go to a patient whose record says
Spanish, with the variables in Spanish too (the month, the opt-out line), through the real send path; everyone
else gets the step's own words; a translation that names no step, or does not render, cannot be saved."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate

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
MONTHS_ES = (
	"enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
TOUCHES = [
	{
		"day_offset": 1,
		"channel": "SMS",
		"template": "{{ first_name }}, {{ practice_name }} misses you since {{ last_visit_month }}: "
		"{{ booking_link }} {{ opt_out_text }}",
	},
	{
		"day_offset": 4,
		"channel": "Email",
		"email_subject": "Hello {{ first_name }}",
		"template": "Your last visit was in {{ last_visit_month }}. {{ booking_link }}",
	},
]
SPANISH = [
	{
		"day_offset": 1,
		"channel": "SMS",
		"language": "es",
		"template": "{{ first_name }}, en {{ practice_name }} le echamos de menos desde {{ last_visit_month }}: "
		"{{ booking_link }} {{ opt_out_text }}",
	},
	{
		"day_offset": 4,
		"channel": "Email",
		"language": "es",
		"email_subject": "Hola {{ first_name }}",
		"template": "Su última visita fue en {{ last_visit_month }}. {{ booking_link }}",
	},
]


class TestWordsInThePatientsLanguage(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def sent(self, language: str | None) -> dict[str, dict]:
		"""Both steps sent through the real claim and send path to a patient of this language."""
		if not frappe.db.exists("Campaign Segment", "T Languages"):
			f.segment(
				"T Languages",
				"Recall Window",
				min_days=180,
				max_days=270,
				touches=TOUCHES,
				translations=SPANISH,
			)
		p = f.patient(language=language) if language else f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		frappe.qb.update(Attempt).set(Attempt.due_at, WEDNESDAY_NOON - timedelta(minutes=1)).where(
			Attempt.lapse == lapse.name
		).run()
		s = get_settings()
		result = claim(
			WEDNESDAY_NOON, 50, "test-languages", send_window(), Caps(9, 9), False, all_segment_specs(), {}
		)
		channels = {**channels_for(s), "Call Task": OutboxChannel()}
		send_claimed(result.to_send, channels, s, run=RunState(clock=lambda: WEDNESDAY_NOON))
		rows = frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse.name},
			fields=["channel", "status", "body", "communication"],
		)
		return {r.channel: r for r in rows}

	def test_a_spanish_patient_gets_the_spanish_words_and_variables(self):
		visit = add_days(getdate(), -200)
		got = self.sent("es")
		text, email = got["SMS"], got["Email"]
		self.assertEqual((text.status, email.status), ("Sent", "Sent"))
		self.assertIn("le echamos de menos desde", text.body)
		self.assertIn(f"{MONTHS_ES[visit.month - 1]} {visit.year}", text.body, "the month in Spanish")
		self.assertIn("Responda STOP", text.body, "the opt-out line in Spanish")
		self.assertNotIn("Reply STOP", text.body)
		self.assertIn("Su última visita fue en", email.body)
		subject = frappe.db.get_value("Communication", email.communication, "subject")
		self.assertIn("Hola", subject)

	def test_anyone_else_gets_the_steps_own_words(self):
		got = self.sent(None)
		self.assertIn("misses you since", got["SMS"].body)
		self.assertIn("Reply STOP to opt out.", got["SMS"].body)
		self.assertIn("Your last visit was in", got["Email"].body)

	def test_a_translation_that_names_no_step_or_does_not_render_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			f.segment(
				"T Languages Stray",
				"Recall Window",
				min_days=180,
				max_days=270,
				touches=TOUCHES,
				translations=[{**SPANISH[0], "day_offset": 2}],
			)
		with self.assertRaises(frappe.ValidationError):
			f.segment(
				"T Languages Broken",
				"Recall Window",
				min_days=180,
				max_days=270,
				touches=TOUCHES,
				translations=[{**SPANISH[0], "template": "{{ nombre }} {{ booking_link }}"}],
			)
