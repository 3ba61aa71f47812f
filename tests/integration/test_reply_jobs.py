"""The jobs that keep conversations moving (issue 14), on a real site: unanswered replies remind their assignee
then the managers; a lapse waiting on the patient is released to its cadence or ends; routes are seeded once."""

from datetime import timedelta

import frappe
from frappe.utils import get_datetime

from winback_app.lapses.waiting import release_waiting_lapses
from winback_app.replies.reminders import remind_unanswered_replies
from winback_app.setup.reply_routes import seed_reply_routes

from . import factories as f
from .test_inbox import AGENT, InboxCase

MANAGER = "winback-manager-14@example.com"


def notes(user, reply):
	return frappe.get_all(
		"Notification Log",
		filters={"for_user": user, "document_type": "Win-Back SMS Reply", "document_name": reply},
		fields=["subject", "type", "email_content"],
	)


class TestReminders(InboxCase):
	def setUp(self):
		f.desk_user(MANAGER, role="Win-Back Manager")
		super().setUp()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT, reply_reminder_hours=4)
		# The job is set-based over the whole site: replies other tests (or a clinic) left waiting would be
		# reminded too. Inside this test's transaction (rolled back) they count as handled.
		Reply = frappe.qb.DocType("Win-Back SMS Reply")
		frappe.qb.update(Reply).set(Reply.handled, 1).where(Reply.handled == 0).run()

	def question(self):
		_p, _lapse, _a, number = self.patient_with_lapse()
		_response, sid = self.text(number, "Do you take Delta insurance? My number is 555-0100")
		received = get_datetime(frappe.db.get_value("Win-Back SMS Reply", sid, "received_on"))
		return sid, received, number

	def test_the_assignee_then_the_managers_each_once(self):
		sid, received, number = self.question()
		before = len(notes(AGENT, sid))  # the assignment's own notification
		self.assertEqual(remind_unanswered_replies(received + timedelta(hours=3, minutes=59))["assignee"], 0)
		self.assertEqual(remind_unanswered_replies(received + timedelta(hours=4, minutes=1))["assignee"], 1)
		reminders = notes(AGENT, sid)[: len(notes(AGENT, sid)) - before]
		self.assertEqual(len(reminders), 1)
		name = frappe.db.get_value("Win-Back SMS Reply", sid, "patient_name")
		subject = reminders[0].subject
		self.assertIn(frappe.utils.escape_html(name), subject)
		self.assertIn("4 hours", subject)
		for private in ("Delta", "insurance", number, number[-4:]):
			self.assertNotIn(private, subject, "only the patient's name, never the words or the number")
		self.assertFalse(reminders[0].email_content)
		self.assertEqual(notes(MANAGER, sid), [], "the managers only after twice the hours")
		self.assertEqual(remind_unanswered_replies(received + timedelta(hours=5))["assignee"], 0, "once")

		result = remind_unanswered_replies(received + timedelta(hours=8, minutes=1))
		self.assertEqual(result, {"assignee": 0, "managers": 1})
		[escalation] = notes(MANAGER, sid)
		self.assertIn("8 hours", escalation.subject)
		self.assertIn(frappe.utils.get_fullname(AGENT), escalation.subject, "says whom it waits on")
		self.assertEqual(
			remind_unanswered_replies(received + timedelta(hours=20)), {"assignee": 0, "managers": 0}
		)
		row = frappe.db.get_value("Win-Back SMS Reply", sid, ["reminded_on", "escalated_on"], as_dict=True)
		self.assertTrue(row.reminded_on and row.escalated_on)

	def test_a_handled_reply_reminds_nobody(self):
		sid, received, _number = self.question()
		frappe.db.set_value("Win-Back SMS Reply", sid, "handled", 1)
		self.assertEqual(
			remind_unanswered_replies(received + timedelta(days=2)), {"assignee": 0, "managers": 0}
		)

	def test_reminders_can_be_switched_off(self):
		sid, received, _number = self.question()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT, reply_reminder_hours=0)
		self.assertEqual(
			remind_unanswered_replies(received + timedelta(days=2)), {"assignee": 0, "managers": 0}
		)

	def test_a_name_with_markup_is_shown_as_text(self):
		sid, received, _number = self.question()
		frappe.db.set_value("Win-Back SMS Reply", sid, "patient_name", "<img src=x onerror=alert(1)>")
		remind_unanswered_replies(received + timedelta(hours=9))
		for user in (AGENT, MANAGER):
			for note in notes(user, sid):
				self.assertNotIn("<img", note.subject)
		self.assertTrue(any("&lt;img" in n.subject for n in notes(MANAGER, sid)))

	def test_the_scheduler_entry_point_is_wired(self):
		from winback_app import hooks

		self.assertIn(
			"winback_app.tasks.remind_unanswered_replies",
			[m for methods in hooks.scheduler_events["cron"].values() for m in methods],
		)
		self.assertIn("winback_app.tasks.release_waiting_lapses", hooks.scheduler_events["hourly_long"])


class TestStalePauses(InboxCase):
	def setUp(self):
		super().setUp()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT, waiting_on_patient_days=7)

	def waiting_on_patient(self, planned=True):
		_p, lapse, attempt, number = self.patient_with_lapse()
		response, _sid = self.text(number, "Yes please")
		self.assertIn(b"/book/", response.get_data())
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")
		if not planned:
			frappe.db.set_value("Win-Back Contact Attempt", attempt, "status", "Sent")
		since = get_datetime(frappe.db.get_value("Patient Lapse", lapse, "replied_on"))
		return lapse, attempt, since

	def test_a_pause_past_the_days_returns_to_the_cadence(self):
		lapse, attempt, since = self.waiting_on_patient()
		self.assertEqual(release_waiting_lapses(since + timedelta(days=6)), {"resumed": 0, "exhausted": 0})
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")
		self.assertEqual(release_waiting_lapses(since + timedelta(days=7, minutes=1))["resumed"], 1)
		row = frappe.db.get_value(
			"Patient Lapse", lapse, ["status", "replied_on", "reply_handled"], as_dict=True
		)
		self.assertEqual((row.status, row.replied_on, row.reply_handled), ("In Cadence", None, 1))
		self.assertEqual(frappe.db.get_value("Win-Back Contact Attempt", attempt, "status"), "Scheduled")

	def test_a_pause_with_nothing_left_to_send_ends_exhausted(self):
		lapse, _attempt, since = self.waiting_on_patient(planned=False)
		self.assertEqual(release_waiting_lapses(since + timedelta(days=8))["exhausted"], 1)
		row = frappe.db.get_value("Patient Lapse", lapse, ["status", "closed_reason"], as_dict=True)
		self.assertEqual(row.status, "Exhausted")
		self.assertTrue(row.closed_reason)

	def test_a_lapse_waiting_on_a_person_is_left_to_the_reminders(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		self.text(number, "Do you do Saturday appointments?")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")
		self.assertEqual(
			release_waiting_lapses(get_datetime() + timedelta(days=30)), {"resumed": 0, "exhausted": 0}
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Replied")

	def test_zero_days_never_releases(self):
		_lapse, _attempt, since = self.waiting_on_patient()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT, waiting_on_patient_days=0)
		self.assertEqual(release_waiting_lapses(since + timedelta(days=365)), {"resumed": 0, "exhausted": 0})


class TestRouteSeeding(InboxCase):
	def test_routes_are_seeded_once_with_the_sites_roles(self):
		Route = frappe.qb.DocType("Win-Back Reply Route")
		frappe.qb.from_(Route).delete().where(Route.parent == "Win-Back Settings").run()
		added = seed_reply_routes()
		rows = frappe.get_all(
			"Win-Back Reply Route",
			filters={"parent": "Win-Back Settings"},
			fields=["category", "role", "user"],
			order_by="idx",
		)
		self.assertEqual(added, len(rows))
		self.assertIn({"category": "Clinical", "role": "Physician", "user": None}, rows)
		self.assertIn({"category": "Urgent", "role": "Physician", "user": None}, rows)
		self.assertIn({"category": "Billing", "role": "Accounts User", "user": None}, rows)
		self.assertEqual(seed_reply_routes(), 0, "a second run adds nothing")
		settings = frappe.get_single("Win-Back Settings")
		self.assertEqual(len(settings.reply_routes), len(rows))
