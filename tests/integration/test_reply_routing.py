"""Every reply lands in the right hands (issue 14), through the signed webhook on a real site: triage before
intent, categories routed to the mapped people, a "not now" that really comes back, answers to common questions,
a "yes" with no open lapse, and a Spanish exchange answered in Spanish."""

from datetime import date, timedelta

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from winback_app.engine.window import daytime_zone
from winback_app.infra.clock import to_utc
from winback_app.replies import faq_answers

from . import factories as f
from .test_inbox import AGENT, InboxCase

PHYSICIAN = "winback-physician-14@example.com"
BOOKS = "winback-accounts-14@example.com"
COMPLAINTS = "winback-manager-14@example.com"
ROUTES = [
	{"category": "Urgent", "role": "Physician"},
	{"category": "Clinical", "role": "Physician"},
	{"category": "Billing", "role": "Accounts User"},
	{"category": "Complaint", "user": COMPLAINTS},
]


def answer_of(response) -> str:
	data = response.get_data().decode()
	return data.split("<Message>")[1].split("</Message>")[0] if "<Message>" in data else ""


class RoutingCase(InboxCase):
	def setUp(self):
		f.desk_user(PHYSICIAN, role="Physician")
		f.desk_user(BOOKS, role="Accounts User")
		f.desk_user(COMPLAINTS, role="Win-Back Manager")
		from winback_app.staff import users_with

		f.mute_notification_emails(
			{u for role in ("Physician", "Nursing User", "Accounts User") for u in users_with(role)}
		)
		super().setUp()
		self.settings(front_desk_user=AGENT)
		faq_answers.clear_cache()

	def tearDown(self):
		super().tearDown()
		faq_answers.clear_cache()  # an answer enabled in a rolled-back test must not linger in the cache

	def settings(self, **values):
		from .test_dispatch import TWILIO_SID, TWILIO_TOKEN

		values.setdefault("reply_routes", ROUTES)
		return f.reset_settings(
			sending_mode="Twilio",
			twilio_account_sid=TWILIO_SID,
			twilio_auth_token=TWILIO_TOKEN,
			twilio_messaging_service_sid="MG" + "1" * 32,
			**values,
		)

	def todo_users(self, sid) -> set[str]:
		return set(
			frappe.get_all(
				"ToDo",
				filters={"reference_type": "Win-Back SMS Reply", "reference_name": sid, "status": "Open"},
				pluck="allocated_to",
			)
		)


class TestTriageAndRoutes(RoutingCase):
	def test_urgent_goes_to_clinical_staff_and_the_desk_with_the_phone_and_never_a_link(self):
		p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Yes please! My face is really swollen and I can't breathe well")
		text = answer_of(response)
		self.assertIn("(202) 555-0100", text)
		self.assertIn("911", text)
		self.assertNotIn("http", text, "never a booking link")
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.urgent, reply.needs_person), ("Urgent", 1, 1))
		self.assertIn(PHYSICIAN, reply.routed_to.split())
		self.assertIn(AGENT, reply.routed_to.split(), "the front desk can phone back at once")
		self.assertTrue({PHYSICIAN, AGENT} <= self.todo_users(sid))
		self.assertTrue(
			frappe.has_permission("Win-Back SMS Reply", "read", doc=sid, user=PHYSICIAN),
			"a physician without a Win-Back role can read the one reply routed to them",
		)
		self.assertFalse(frappe.db.get_value("Patient Lapse", lapse, "choices_offered_on"))
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")
		todo = frappe.db.get_value("ToDo", {"reference_name": sid, "allocated_to": PHYSICIAN}, "description")
		self.assertIn("Urgent", todo)
		# The ToDo is e-mailed to its assignees: it names nobody and quotes nothing; the reply holds both.
		self.assertNotIn("swollen", todo)
		self.assertNotIn(frappe.db.get_value("Patient", p, "first_name"), todo)
		self.assertNotIn(number[-4:], todo)
		# The assignment notification and its e-mail carry the reply's title: its category and four digits, never
		# the whole number or the name (frappe logs a failed e-mail with them).
		self.assertEqual(reply.title, f"Urgent, from ...{number[-4:]}")
		subjects = frappe.get_all(
			"Notification Log", {"document_type": "Win-Back SMS Reply", "document_name": sid}, pluck="subject"
		)
		self.assertTrue(subjects, "the assignees were notified")
		for subject in subjects:
			self.assertNotIn(number[1:], subject or "")
			self.assertNotIn(number[-10:], subject or "")
			self.assertNotIn(frappe.db.get_value("Patient", p, "first_name"), subject or "")

	def test_every_urgent_reply_reaches_a_clinician_whatever_was_shared_before(self):
		# The assignment runs in a job queued by the webhook, as Guest; a clinician who was already shared one
		# reply must still be given the next one (frappe's doctype-level check says yes after the first share).
		from winback_app.replies import routing

		sids = []
		for _n in range(2):
			_p, _lapse, _a, number = self.patient_with_lapse()
			sids.append(self.text(number, "My face is really swollen and I can't breathe well")[1])
		# the second one's assignment never ran (its job was lost): only the first was shared
		frappe.db.delete("ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": sids[1]})
		frappe.db.delete("DocShare", {"share_doctype": "Win-Back SMS Reply", "share_name": sids[1]})
		self.assertTrue(frappe.has_permission("Win-Back SMS Reply", "read", doc=sids[0], user=PHYSICIAN))
		frappe.set_user("Guest")
		try:
			self.assertEqual(routing.assign_waiting_replies(), 1)
		finally:
			frappe.set_user("Administrator")
		for sid in sids:
			self.assertIn(PHYSICIAN, self.todo_users(sid))
			self.assertTrue(frappe.has_permission("Win-Back SMS Reply", "read", doc=sid, user=PHYSICIAN))

	def test_a_reply_that_cannot_be_assigned_holds_up_no_other_and_logs_no_words(self):
		from winback_app.replies import routing

		start = f.error_log_mark()
		sids = []
		for body in ("Do you do Saturday visits?", "Can my husband come too?"):
			_p, _lapse, _a, number = self.patient_with_lapse()
			sids.append(self.text(number, body)[1])
		frappe.db.delete("ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": ("in", sids)})
		frappe.db.set_value("Win-Back SMS Reply", sids[0], "routed_to", "left-the-clinic@example.com")
		self.assertEqual(routing.assign_waiting_replies(), 1)
		self.assertEqual(self.todo_users(sids[1]), {AGENT})
		self.assertFalse(self.todo_users(sids[0]), "it stays waiting for the next run")
		logs = f.error_logs_after(start, ["error", "reference_name"])
		self.assertEqual([log.reference_name for log in logs], [sids[0]])
		self.assertNotIn("Saturday", logs[0].error)
		self.assertNotIn("husband", logs[0].error)

	def test_clinical_goes_to_clinical_staff_with_a_person_will_reply(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Yes, my tooth really hurts when I chew")
		self.assertIn("member of our team", answer_of(response))
		self.assertNotIn("http", answer_of(response))
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.urgent), ("Clinical", 0))
		self.assertIn(PHYSICIAN, self.todo_users(sid))
		self.assertNotIn(AGENT, self.todo_users(sid))

	def test_a_complaint_goes_to_the_mapped_person(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		_r, sid = self.text(
			number, "Your receptionist was incredibly rude to me last time, I want to complain"
		)
		reply = self.reply_row(sid)
		self.assertEqual(
			(reply.category, reply.routed_to, reply.routed_via), ("Complaint", COMPLAINTS, "Route")
		)
		self.assertEqual(self.todo_users(sid), {COMPLAINTS})

	def test_billing_goes_to_accounts(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "I was charged twice for my last cleaning, please fix my bill")
		reply = self.reply_row(sid)
		self.assertEqual(reply.category, "Billing")
		self.assertIn(BOOKS, reply.routed_to.split())
		self.assertIn(BOOKS, self.todo_users(sid))
		self.assertEqual(reply.routed_via, "Route: Accounts User")
		self.assertNotIn("http", answer_of(response))

	def test_a_route_nobody_can_take_falls_back_to_the_front_desk(self):
		frappe.get_doc({"doctype": "Role", "role_name": "_Test WB Nobody"}).insert(ignore_permissions=True)
		self.settings(
			front_desk_user=AGENT, reply_routes=[{"category": "Billing", "role": "_Test WB Nobody"}]
		)
		_p, _lapse, _a, number = self.patient_with_lapse()
		_r, sid = self.text(number, "Why was I billed for a visit I never had?")
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.routed_to), ("Billing", AGENT))
		self.assertEqual(reply.routed_via, "Front desk (nobody holds _Test WB Nobody)")
		self.assertEqual(self.todo_users(sid), {AGENT})

	def test_an_urgent_stop_opts_out_first_and_still_reaches_a_person(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Stop texting me, my jaw is swollen and I can't open my mouth")
		self.assertIn("unsubscribed", answer_of(response))
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 1)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.needs_person), ("Opt-Out", 1))
		self.assertTrue(self.todo_users(sid))


class TestNotNow(RoutingCase):
	def test_not_now_pauses_then_the_nurture_touch_really_goes_and_the_cadence_resumes(self):
		tz = daytime_zone(to_utc(now_datetime()))
		p, lapse, first, number = self.patient_with_lapse(winback_time_zone=tz)
		response, sid = self.text(number, "not now, maybe later")
		self.assertIn("check in later", answer_of(response))
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.needs_person), ("Not Now", 0))
		row = frappe.db.get_value(
			"Patient Lapse", lapse, ["status", "snoozed_until", "replied_on"], as_dict=True
		)
		self.assertEqual(row.status, "In Cadence", "a snooze is not a reply that ends the cadence")
		self.assertIsNone(row.replied_on)
		self.assertAlmostEqual((get_datetime(row.snoozed_until) - now_datetime()).days, 30, delta=3)
		nurture = frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": lapse, "touch": ("like", "nurture-%")},
			fields=["name", "due_at", "status", "channel"],
		)
		self.assertEqual(len(nurture), 1)
		nurture = nurture[0]
		self.assertEqual((nurture.status, nurture.channel), ("Scheduled", "SMS"))
		self.assertEqual(nurture.due_at, get_datetime(row.snoozed_until))
		moved = frappe.db.get_value("Win-Back Contact Attempt", first, "due_at")
		self.assertGreater(moved, nurture.due_at, "the rest of the cadence follows the nurture touch")

		f.reset_settings(sending_mode="Outbox", front_desk_user=AGENT)
		before = nurture.due_at - timedelta(days=2)
		with self.freeze_time(before):
			result, counts = self.run_once(now=before)
		mine = {nurture.name, first}
		self.assertFalse(mine & {c.attempt["name"] for c in result.to_send}, "nothing goes during the pause")

		at = nurture.due_at + timedelta(hours=3)  # noon in the patient's zone
		with self.freeze_time(at):
			result, counts = self.run_once(now=at)
		# (other patients the test campaign detected may have touches due as well: only this lapse matters)
		self.assertIn(nurture.name, [c.attempt["name"] for c in result.to_send])
		self.assertNotIn(first, [c.attempt["name"] for c in result.to_send], "the nurture text goes first")
		sent = self.attempt(nurture.name)
		self.assertEqual(sent.status, "Sent")
		self.assertIn("Whenever you're ready", sent.body)
		self.assertIn("https://clinic.example.com/book/", sent.body)

		later = moved + timedelta(hours=4)  # more than a day after the nurture text: the daily cap allows it
		with self.freeze_time(later):
			result, counts = self.run_once(now=later)
		self.assertIn(
			first,
			[c.attempt["name"] for c in result.to_send],
			f"the cadence resumes ({self.attempt(first).skip_reason})",
		)

	def test_a_named_month_wins_over_the_default_pause(self):
		from .test_dispatch import WEDNESDAY_NOON

		_p, lapse, _a, number = self.patient_with_lapse()
		with self.freeze_time(WEDNESDAY_NOON):  # said on 18 November 2026
			response, sid = self.text(number, "Not right now, text me again in March")
		self.assertEqual(self.reply_row(sid).category, "Not Now")
		until = getdate(frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"))
		self.assertEqual(until, date(2027, 3, 1))
		self.assertIn("around March 1", answer_of(response))
		nurture = frappe.get_all(
			"Win-Back Contact Attempt", {"lapse": lapse, "touch": ("like", "nurture-%")}, pluck="touch"
		)
		self.assertEqual(nurture, ["nurture-2027-03-01"])
		# Said again in March: soon, within the month; the nurture touch moves, no second one is planned.
		with self.freeze_time(WEDNESDAY_NOON.replace(year=2027, month=3, day=10)):
			response, _sid = self.text(number, "not yet, in March")
		until = getdate(frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"))
		self.assertEqual(until, date(2027, 3, 17))
		self.assertIn("around March 17", answer_of(response))
		due = frappe.get_all(
			"Win-Back Contact Attempt", {"lapse": lapse, "touch": ("like", "nurture-%")}, pluck="due_at"
		)
		self.assertEqual([getdate(d) for d in due], [date(2027, 3, 17)])

	def test_next_week_works_is_a_booking_not_a_pause(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "next week works")
		self.assertRegex(answer_of(response), r"1\) \w+ \w+ \d+", "times to pick by text")
		self.assertEqual(self.reply_row(sid).category, "Booking")
		self.assertIsNone(frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"))

	def test_a_campaign_without_nurture_resumes_its_cadence_when_the_pause_ends(self):
		_p, lapse, first, number = self.patient_with_lapse()
		segment = frappe.db.get_value("Patient Lapse", lapse, "segment")
		frappe.db.set_value("Campaign Segment", segment, {"nurture_after_snooze": 0, "nurture_days": 10})
		frappe.clear_document_cache("Campaign Segment", segment)
		self.text(number, "not now")
		until = get_datetime(frappe.db.get_value("Patient Lapse", lapse, "snoozed_until"))
		self.assertAlmostEqual((until - now_datetime()).days, 10, delta=3)
		self.assertFalse(
			frappe.db.exists("Win-Back Contact Attempt", {"lapse": lapse, "touch": ("like", "nurture-%")})
		)
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", first, "due_at"), until)


def parking_answer():
	from winback_app.engine.faq import EXAMPLE_PHRASINGS

	return frappe.get_doc(
		{
			"doctype": "Win-Back Answer",
			"title": "Parking (test)",
			"question": "\n".join(EXAMPLE_PHRASINGS["Parking"]),
			"answer": "Free parking behind the building. Questions? Call (202) 555-0100.",
			"enabled": 1,
		}
	).insert(ignore_permissions=True)


class TestAnswers(RoutingCase):
	def test_a_clear_question_is_answered_and_the_cadence_goes_on(self):
		parking_answer()
		_p, lapse, first, number = self.patient_with_lapse()
		response, sid = self.text(number, "Is there parking??")
		self.assertEqual(
			answer_of(response), "Free parking behind the building. Questions? Call (202) 555-0100."
		)
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.needs_person), ("FAQ", 0))
		self.assertFalse(self.todo_users(sid))
		row = frappe.db.get_value("Patient Lapse", lapse, ["status", "replied_on"], as_dict=True)
		self.assertEqual((row.status, row.replied_on), ("In Cadence", None))
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", first, "status"), "Scheduled")

	def test_a_near_question_goes_to_a_person_with_the_suggestion(self):
		answer = parking_answer()
		_p, _lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "is parking available?")
		self.assertIn("will text you back", answer_of(response))
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.needs_person), ("Question", 1))
		self.assertEqual(reply.suggested_answer, answer.name)
		self.assertEqual(self.todo_users(sid), {AGENT})

	def test_a_clinical_question_never_gets_the_answer(self):
		parking_answer()
		_p, _lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Is there parking? my gums are bleeding a lot")
		self.assertNotIn("Free parking", answer_of(response))
		self.assertIn(self.reply_row(sid).category, ("Clinical", "Urgent"))

	def test_help_names_phone_and_hours(self):
		self.settings(front_desk_user=AGENT, practice_hours="Mon-Fri 8am-5pm")
		_p, _lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "HELP")
		self.assertEqual(
			answer_of(response),
			"Bright Smile Dental: questions? Call us at (202) 555-0100 (Mon-Fri 8am-5pm). Reply STOP to opt out.",
		)
		self.assertEqual(self.reply_row(sid).category, "Help")


class TestNoOpenLapse(RoutingCase):
	def test_a_yes_from_a_known_patient_with_no_open_lapse_goes_to_a_person(self):
		p = f.patient()
		number = frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		self.assertTrue(number)
		response, sid = self.text(number, "Yes")
		text = answer_of(response)
		self.assertNotIn("/book/", text)
		self.assertNotIn("Pick a time", text)
		self.assertIn("will text you back", text)
		reply = self.reply_row(sid)
		self.assertEqual(
			(reply.patient, reply.lapse, reply.category, reply.needs_person), (p, None, "Booking", 1)
		)
		self.assertEqual(self.todo_users(sid), {AGENT})


class TestSpanish(RoutingCase):
	def test_a_spanish_exchange_is_answered_in_spanish(self):
		_p, lapse, _a, number = self.patient_with_lapse(language="es")
		response, sid = self.text(number, "Sí, por favor")
		text = answer_of(response)
		self.assertTrue(
			text.startswith("¡Excelente! Elija su hora en este enlace: https://clinic.example.com/book/"),
			text,
		)
		self.assertEqual(self.reply_row(sid).language, "es")
		response, sid = self.text(number, "2")
		self.assertRegex(answer_of(response), r"^(Bright Smile Dental: )?Horas libres por la tarde: 1\) ")
		response, sid = self.text(number, "Me duele mucho la muela y tengo la cara hinchada")
		text = answer_of(response)
		self.assertIn("Llámenos ahora al (202) 555-0100", text)
		self.assertIn("911", text)
		reply = self.reply_row(sid)
		self.assertEqual((reply.category, reply.urgent), ("Urgent", 1))
		self.assertIn(PHYSICIAN, self.todo_users(sid))

	def test_a_spanish_text_from_a_patient_with_no_language_set_is_answered_in_spanish(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, "Más adelante, ahorita no puedo")
		self.assertIn("No hay problema, le escribiremos", answer_of(response))
		self.assertEqual((self.reply_row(sid).category, self.reply_row(sid).language), ("Not Now", "es"))

	def test_a_site_can_reword_an_answer_with_a_translation(self):
		from winback_app.engine.answers import SMS_CONTEXT, TEXTS

		frappe.get_doc(
			{
				"doctype": "Translation",
				"language": "es",
				"source_text": TEXTS["help"]["en"],
				"translated_text": "{practice}: ¿dudas? Llame al {phone}. Responda STOP para darse de baja.",
				"context": SMS_CONTEXT,
			}
		).insert(ignore_permissions=True)
		try:
			_p, _lapse, _a, number = self.patient_with_lapse(language="es")
			response, _sid = self.text(number, "AYUDA")
			self.assertEqual(
				answer_of(response),
				"Bright Smile Dental: ¿dudas? Llame al (202) 555-0100. Responda STOP para darse de baja.",
			)
		finally:
			# the override was cached with the site's translations: gone with the rollback, gone from the cache
			from frappe.translate import clear_cache

			frappe.db.rollback()
			clear_cache()


class TestAnswersUnreadable(RoutingCase):
	def test_a_stop_is_recorded_even_when_the_answers_cannot_be_read(self):
		from .test_security_inert import replaced

		def raising():
			raise RuntimeError("the cache is down")

		parking_answer()
		_p, _lapse, _a, number = self.patient_with_lapse()
		_p, _lapse, _a, other = self.patient_with_lapse()
		with replaced(faq_answers, "enabled_index", raising):
			response, _sid = self.text(number, "STOP")
			_r, question = self.text(other, "Is there parking??")
		self.assertIn("unsubscribed", answer_of(response))
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 1)
		reply = self.reply_row(question)
		self.assertEqual(
			(reply.category, reply.needs_person), ("Question", 1), "no answers: a person replies"
		)
