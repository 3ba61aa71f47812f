"""Campaign words on a real site: every documented variable is filled from the lapse's own records at send time,
the default templates render through the real send path with nothing empty that the records know, and the
save-time check renders through the same context builder."""

from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate

from winback_app.detection.run import detect_lapses
from winback_app.engine.sending import Caps
from winback_app.engine.templates import ALL_VARIABLES, variables_used
from winback_app.sending.channels.outbox import OutboxChannel
from winback_app.sending.claim import claim
from winback_app.sending.run import all_segment_specs, channels_for
from winback_app.sending.send import RunState, send_claimed
from winback_app.settings import get_settings, send_window
from winback_app.setup.default_segments import DEFAULT_SEGMENTS

from . import factories as f
from .base import WinBackTestCase

WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0)
DIAGNOSIS = "_Test WB Gingivitis"
THERAPY_TYPE = "_Test WB Physio"
# An email touch that prints every documented variable between brackets, so a test reads each one back.
PROBE = "\n".join(f"{name}=[{{{{ {name} }}}}]" for name in sorted(ALL_VARIABLES)) + "\n{{ booking_link }}"


def probe_touches():
	return [{"day_offset": 1, "channel": "Email", "email_subject": "Hi {{ first_name }}", "template": PROBE}]


def printed(body: str) -> dict[str, str]:
	"""{variable: value} read back from a rendered PROBE."""
	values = {}
	for line in body.splitlines():
		name, sep, rest = line.partition("=[")
		if sep and name in ALL_VARIABLES:
			values[name] = rest[: rest.rfind("]")]
	return values


def ensure_master(doctype: str, name: str, **fields) -> None:
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, **fields}).insert(ignore_permissions=True)


class WordsCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		self.refs = f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()
		self.practitioner_name = frappe.db.get_value(
			"Healthcare Practitioner", self.refs["practitioner"], "practitioner_name"
		)

	def send_all_of(self, lapse: str) -> list[dict]:
		"""Make every planned attempt of the lapse due and send them through the real claim and send path."""
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		frappe.qb.update(Attempt).set(Attempt.due_at, WEDNESDAY_NOON - timedelta(minutes=1)).where(
			Attempt.lapse == lapse
		).run()
		s = get_settings()
		result = claim(
			WEDNESDAY_NOON, 500, "test-words", send_window(), Caps(50, 50), False, all_segment_specs(), {}
		)
		channels = {**channels_for(s), "Call Task": OutboxChannel()}
		send_claimed(result.to_send, channels, s, run=RunState(clock=lambda: WEDNESDAY_NOON))
		return frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse},
			fields=["name", "status", "skip_reason", "body", "touch", "channel", "communication"],
			order_by="day_offset asc",
		)

	def probe(self, rule_kind: str, make_history, **segment_fields) -> dict[str, str]:
		f.segment(
			f"T Words {frappe.generate_hash(length=6)}", rule_kind, touches=probe_touches(), **segment_fields
		)
		p = f.patient(first_name="Robin")
		make_history(p)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		[attempt] = self.send_all_of(lapse.name)
		self.assertEqual(attempt.status, "Sent", attempt.skip_reason)
		return printed(attempt.body)


class TestEveryVariableFromTheRecords(WordsCase):
	def test_a_recall_names_the_practitioner_the_month_the_type_and_the_treatment(self):
		visit = add_days(getdate(), -200)
		values = self.probe(
			"Recall Window",
			lambda p: f.past_appointment(p, 200, procedure_template=f.PROCEDURE),
			min_days=180,
			max_days=270,
		)
		self.assertTrue(self.practitioner_name)
		self.assertEqual(values["practitioner_name"], self.practitioner_name, "never a key the lapse lacks")
		self.assertEqual(values["last_visit_month"], visit.strftime("%B %Y"))
		self.assertEqual(values["appointment_type"], f.APPOINTMENT_TYPE)
		self.assertEqual(values["procedure_name"], f.PROCEDURE)
		self.assertEqual(values["department"], f.DEPARTMENT)
		self.assertEqual(values["first_name"], "Robin")
		self.assertEqual(values["practice_name"], "Bright Smile Dental")
		self.assertTrue(values["booking_link"].startswith("https://clinic.example.com/book/"))
		self.assertEqual((values["diagnosis"], values["service_request"]), ("", ""), "no such record")

	def test_an_encounter_gives_its_diagnosis_and_its_appointments_type(self):
		ensure_master("Diagnosis", DIAGNOSIS, diagnosis=DIAGNOSIS)

		def history(p):
			appointment = f.past_appointment(p, 200, appointment_type=f.OTHER_TYPE)
			encounter = f.past_encounter(p, 200)
			frappe.db.set_value("Patient Encounter", encounter, "appointment", appointment)
			f._insert(
				"Patient Encounter Diagnosis",
				{
					**f._row_common("Patient Encounter Diagnosis"),
					"parent": encounter,
					"parenttype": "Patient Encounter",
					"parentfield": "diagnosis",
					"idx": 1,
					"diagnosis": DIAGNOSIS,
				},
			)

		values = self.probe("Recall Window", history, min_days=180, max_days=270)
		self.assertEqual(values["diagnosis"], DIAGNOSIS)
		self.assertEqual(values["practitioner_name"], self.practitioner_name)
		self.assertIn(values["appointment_type"], (f.OTHER_TYPE,))

	def test_an_unfinished_order_names_what_was_ordered(self):
		values = self.probe(
			"Unfinished Treatment",
			lambda p: f.service_request(p, 45),
			min_days=30,
			max_days=180,
		)
		self.assertEqual(values["service_request"], f.PROCEDURE, "the treatment's name, never the order's id")
		self.assertEqual(values["procedure_name"], f.PROCEDURE)
		self.assertEqual(values["practitioner_name"], self.practitioner_name)

	def test_an_unfinished_therapy_plan_names_its_therapies(self):
		# The plan's rows are written in bulk as a clinic's records would already exist (a Therapy Type needs a
		# billing item the test has no use for).
		def history(p):
			plan = f.therapy_plan(p, 90)
			f._insert(
				"Therapy Plan Detail",
				{
					**f._row_common("Therapy Plan Detail"),
					"parent": plan,
					"parenttype": "Therapy Plan",
					"parentfield": "therapy_plan_details",
					"idx": 1,
					"therapy_type": THERAPY_TYPE,
					"no_of_sessions": 6,
				},
			)
			f.past_appointment(p, 40)

		values = self.probe("Unfinished Therapy Plan", history, min_days=21, max_days=120)
		self.assertEqual(values["therapy_plan"], THERAPY_TYPE, "the therapy's name, never the plan's id")
		self.assertEqual(values["practitioner_name"], self.practitioner_name)

	def test_a_whole_chunk_reads_its_facts_in_a_fixed_number_of_queries(self):
		from winback_app.sending.render import FACTS, load_facts

		f.segment("T Words Chunk", "Recall Window", min_days=180, max_days=270, touches=probe_touches())
		patients = [f.patient() for _ in range(6)]
		for p in patients:
			f.past_appointment(p, 200, procedure_template=f.PROCEDURE)
		detect_lapses()
		names = [f.lapses_of(p)[0].name for p in patients]
		rows = frappe.get_all(
			"Patient Lapse",
			filters={"name": ("in", names)},
			fields=[
				"name",
				"practitioner",
				"department",
				"evidence_doctype",
				"evidence_name",
				"last_visit_date",
			],
		)
		lapses = [dict(r) for r in rows]
		with self.assertQueryCount(3):  # appointments, practitioners, languages: for 6 lapses as for 1
			load_facts(lapses)
		self.assertTrue(all(lapse[FACTS]["practitioner_name"] == self.practitioner_name for lapse in lapses))


class TestDefaultTemplates(WordsCase):
	def test_every_default_template_renders_through_the_send_path_with_every_known_fact(self):
		"""Each shipped campaign's every touch, in English and in its shipped Spanish words, sent for a patient
		whose records hold every fact the templates can name: nothing unrendered, nothing empty that the
		records know, the variables in the words' language."""
		from winback_app.sending.render import context

		visit_days = 200
		for index, seg in enumerate(DEFAULT_SEGMENTS):
			for language in ("", "es"):
				with self.subTest(campaign=seg["segment_name"], language=language):
					self.send_defaults(index, seg, language, visit_days, context)

	def send_defaults(self, index, seg, language, visit_days, context) -> None:
		name = f.segment(
			f"T Default {index} {language} {frappe.generate_hash(length=4)}",
			"Recall Window",
			min_days=180,
			max_days=270,
			touches=[dict(t) for t in seg["touches"]],
			translations=[dict(t) for t in seg.get("translations") or ()],
			allow_clinical_detail=0,
		)
		p = f.patient(first_name="Robin", **({"language": language} if language else {}))
		f.past_appointment(p, visit_days, procedure_template=f.PROCEDURE)
		detect_lapses()
		frappe.db.set_value("Campaign Segment", name, "enabled", 0)
		[lapse] = f.lapses_of(p)
		attempts = self.send_all_of(lapse.name)
		self.assertEqual(len(attempts), len(seg["touches"]))
		lapse_row = frappe.db.get_value(
			"Patient Lapse",
			lapse.name,
			["name", "practitioner", "department", "evidence_doctype", "evidence_name", "last_visit_date"],
			as_dict=True,
		)
		spanish = {
			(t["day_offset"], t["channel"]): t
			for t in seg.get("translations") or ()
			if t["language"] == language
		}
		for touch, attempt in zip(
			sorted(seg["touches"], key=lambda t: t["day_offset"]), attempts, strict=True
		):
			words = spanish.get((touch["day_offset"], touch["channel"]))
			template = (words or touch)["template"]
			known = context(
				dict(lapse_row), {"first_name": "Robin"}, get_settings(), "TOKEN", language if words else ""
			)
			self.assertEqual(attempt.status, "Sent", f"{touch['day_offset']}: {attempt.skip_reason}")
			body = attempt.body
			self.assertNotIn("{{", body)
			self.assertNotIn("None", body)
			if words:
				self.assertNotIn("Reply STOP", body, "a Spanish text says how to opt out in Spanish")
			# A visit is this lapse's evidence: a membership's status is no fact of it (see the membership test).
			for variable in variables_used(template) - {"booking_link", "membership_status"}:
				self.assertTrue(known[variable], f"{variable} is known for this patient")
				self.assertIn(known[variable], body, f"day {touch['day_offset']}: {variable}")
			if touch["channel"] != "Call Task":
				self.assertIn("/book/", body, "every message carries the booking link")
			if touch.get("email_subject"):
				subject = frappe.db.get_value("Communication", attempt.communication, "subject")
				self.assertIn("Robin", subject)
				self.assertNotIn("{{", subject)


class TestMembershipWords(WordsCase):
	def subscription(self, patient: str, status: str, days_ago: int) -> None:
		name = f.cancelled_membership(patient, days_ago)
		frappe.db.set_value("Subscription", name, "status", status)

	def test_a_past_due_member_is_not_told_the_membership_ended(self):
		from winback_app.setup.default_segments import DEFAULT_SEGMENTS

		[shipped] = [s for s in DEFAULT_SEGMENTS if s["rule_kind"] == "Lapsed Membership"]
		[email] = [t for t in shipped["touches"] if t["channel"] == "Email"]
		f.segment("T Words Members", "Lapsed Membership", min_days=0, max_days=60, touches=[dict(email)])
		past_due, cancelled = f.patient(), f.patient()
		self.subscription(past_due, "Past Due Date", 20)
		self.subscription(cancelled, "Cancelled", 20)
		detect_lapses()
		bodies = {}
		for p in (past_due, cancelled):
			[lapse] = f.lapses_of(p)
			[attempt] = self.send_all_of(lapse.name)
			self.assertEqual(attempt.status, "Sent", attempt.skip_reason)
			bodies[p] = attempt.body
		self.assertIn("payment for your membership didn't go through", bodies[past_due])
		self.assertNotIn("has ended", bodies[past_due])
		self.assertIn("your membership has ended", bodies[cancelled])


class TestSaveTimeCheck(WordsCase):
	def test_the_save_check_renders_through_the_send_context(self):
		"""A template that is only too long once the real builder fills it is caught on save: the check renders
		the sample through sending.render.context, not through a separate list of sample values."""
		from winback_app.sending.render import sample_context

		values = sample_context(get_settings())
		self.assertEqual(
			set(values), set(ALL_VARIABLES), "the builder fills exactly the documented variables"
		)
		self.assertTrue(all(values.values()), "a sample record holds every fact")
		frappe.db.set_single_value("Win-Back Settings", "practice_name", "P" * 150)
		with self.assertRaises(frappe.ValidationError):
			f.segment(
				"T Words Long",
				"Recall Window",
				min_days=180,
				max_days=270,
				touches=[
					{
						"day_offset": 1,
						"channel": "SMS",
						"template": "{{ practice_name }} " * 11 + "{{ booking_link }}",
					}
				],
			)

	def test_a_campaign_can_be_edited_before_the_public_address_is_set(self):
		"""Sending for real is refused without an https public address; editing a campaign is not."""
		frappe.db.set_single_value("Win-Back Settings", {"sending_mode": "Twilio", "public_base_url": ""})
		name = f.segment("T Words No Address", "Recall Window", min_days=180, max_days=270)
		self.assertTrue(frappe.db.exists("Campaign Segment", name))
		said = " ".join(str(m) for m in frappe.local.message_log)
		self.assertNotIn("Public site address", said, "no leftover error message from the sample link")


class TestPreviewTheMessages(WordsCase):
	def test_the_preview_renders_the_campaigns_latest_patient_through_the_send_context(self):
		from winback_app.api.campaign_segment import preview_messages

		agent = f.desk_user("wb-agent-preview@example.com")  # committed like every reference record: first
		touches = [
			{
				"day_offset": 1,
				"channel": "Email",
				"email_subject": "Hi {{ first_name }}",
				"template": "Your last visit with {{ practitioner_name }} was in {{ last_visit_month }}. "
				"{{ booking_link }}",
			},
		]
		name = f.segment("T Words Preview", "Recall Window", min_days=180, max_days=270, touches=touches)
		p = f.patient(first_name="Robin")
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		result = preview_messages(name)
		self.assertEqual(result["lapse"], lapse.name)
		[step] = result["steps"]
		self.assertEqual(step["subject"], "Hi Robin")
		self.assertIn(f"Your last visit with {self.practitioner_name} was in", step["body"])
		self.assertFalse(
			frappe.db.get_value("Patient Lapse", lapse.name, "booking_token_hash"), "no link made"
		)
		frappe.set_user(agent)
		with self.assertRaises(frappe.PermissionError):
			preview_messages(name)

	def test_a_campaign_without_patients_previews_a_sample_patient(self):
		from winback_app.api.campaign_segment import preview_messages

		name = f.segment("T Words Preview Empty", "Recall Window", min_days=180, max_days=270)
		result = preview_messages(name)
		self.assertIsNone(result["lapse"])
		self.assertTrue(all(s["body"] and not s["problem"] for s in result["steps"]))
