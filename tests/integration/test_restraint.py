"""Re-entry with restraint, read from a real site: a patient's finished win-backs (detection/restraint.py) make
the pairs the engine holds back; event campaigns are never held back."""

from datetime import timedelta

import frappe
from frappe.utils import getdate, now_datetime

from winback_app.detection.reader import KeyRange
from winback_app.detection.restraint import held_back
from winback_app.detection.run import detect_lapses
from winback_app.engine.detection import MAX_CYCLES, RESTING, RESTING_ELSEWHERE, Restraint
from winback_app.segments import segment_spec

from . import factories as f
from .base import WinBackTestCase


class TestRestraintRead(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def specs(self, *names):
		return [segment_spec(frappe.get_doc("Campaign Segment", n)) for n in names]

	def test_an_unanswered_cadence_and_the_cycle_count_hold_the_patient_back(self):
		recall = f.segment("T Restraint 9-18", "Recall Window", min_days=180, max_days=270)
		annual = f.segment("T Restraint Annual", "Annual Check-in", min_days=335, max_days=395, enabled=0)
		rescue = f.segment("T Restraint Rescue", "Missed Appointment", enabled=0)
		quiet, unanswered = f.patient(), f.patient()
		for p in (quiet, unanswered):
			f.past_appointment(p, 200)
		detect_lapses()
		[quiet_lapse] = f.lapses_of(quiet)
		frappe.db.set_value(
			"Patient Lapse",
			quiet_lapse.name,
			{"status": "Exhausted", "closed_on": now_datetime() - timedelta(days=20)},
		)
		# Three cadences of this campaign left unanswered, years ago: the campaign does not ask a fourth time.
		[unanswered_lapse] = f.lapses_of(unanswered)
		long_ago = now_datetime() - timedelta(days=800)
		frappe.db.set_value(
			"Patient Lapse", unanswered_lapse.name, {"status": "Exhausted", "closed_on": long_ago}
		)
		for _ in range(2):
			copy = frappe.copy_doc(frappe.get_doc("Patient Lapse", unanswered_lapse.name))
			copy.booking_token_hash = None
			copy.insert(ignore_permissions=True)
		held = held_back(self.specs(recall, annual, rescue), getdate(), rules=Restraint())
		self.assertEqual(held.get((quiet, recall)), RESTING)
		self.assertEqual(held.get((quiet, annual)), RESTING_ELSEWHERE)
		self.assertNotIn((quiet, rescue), held, "a missed appointment is answered every time")
		self.assertEqual(held.get((unanswered, recall)), MAX_CYCLES)
		self.assertNotIn((unanswered, annual), held)
		# Read per key range, like every detection read: a range without the patient says nothing of them.
		first, last = sorted((quiet, unanswered))
		self.assertNotIn((first, recall), held_back(self.specs(recall), getdate(), KeyRange(after=first)))


class TestTheNightlyRunHoldsBack(WinBackTestCase):
	"""The nightly run applies the restraint rules with the settings' numbers (Win-Back Settings > Asking Again)."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()

	def unanswered_twenty_days_ago(self):
		recall = f.segment("T Restraint Nightly", "Recall Window", min_days=180, max_days=270)
		frappe.db.set_value("Campaign Segment", recall, "reentry_cooldown_days", 0)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		frappe.db.set_value(
			"Patient Lapse", lapse.name, {"status": "Exhausted", "closed_on": now_datetime() - timedelta(days=20)}
		)
		return p

	def test_an_unanswered_patient_rests_instead_of_a_fresh_cadence(self):
		f.reset_settings()
		p = self.unanswered_twenty_days_ago()
		detect_lapses()
		self.assertEqual([x.status for x in f.lapses_of(p)], ["Exhausted"], "no second cadence 20 days later")

	def test_zero_switches_the_rest_off(self):
		f.reset_settings(rest_after_unanswered_days=0, rest_from_other_campaigns_days=0)
		p = self.unanswered_twenty_days_ago()
		detect_lapses()
		self.assertEqual(sorted(x.status for x in f.lapses_of(p)), ["Exhausted", "In Cadence"])
