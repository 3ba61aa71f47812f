"""The replies waiting list and a routed reply in headless Chromium (issue 14): each reply's age and category in
the list, urgent replies marked red, the near FAQ match offered as a draft the person edits and sends, and the
live alert for an urgent text."""

import unittest
from datetime import timedelta

import frappe
from frappe.utils import now_datetime
from frappe.utils.password import update_password

from winback_app.compat import DESK
from winback_app.detection.run import detect_lapses

from . import browser
from . import factories as f
from .base import WinBackTestCase
from .test_dispatch import twilio_post, twilio_settings

PASSWORD = "Replies-Check-2026!"
SEGMENT = "T E2E Routed Replies"
AGENT = "winback-desk@example.com"
ANSWER_TEXT = "Free parking behind the building. Questions? Call (202) 555-0100."


@unittest.skipIf(browser.missing(), browser.missing())
class TestRepliesInTheDesk(WinBackTestCase):
	"""The web server is another process: the data is committed here and removed afterwards."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		f.desk_user(AGENT)
		from winback_app.staff import users_with

		f.mute_notification_emails(set(users_with("Physician")) | set(users_with("Nursing User")))
		self.patients, self.answers = [], []
		update_password("Administrator", PASSWORD)
		frappe.db.commit()

	def tearDown(self):
		from winback_app.replies import faq_answers

		frappe.db.rollback()
		f.remove_committed_campaign(SEGMENT, self.patients)
		for answer in self.answers:
			frappe.delete_doc("Win-Back Answer", answer, force=True, ignore_permissions=True)
		f.only_these_segments_enabled()
		f.reset_settings()
		frappe.db.commit()
		faq_answers.clear_cache()
		super().tearDown()

	def patient_with_lapse(self) -> str:
		p = f.patient()
		self.patients.append(p)
		f.past_appointment(p, 200)
		detect_lapses()
		return frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")

	def text(self, number: str, body: str) -> str:
		from winback_app.api.sms import inbound

		sid = "SM" + frappe.generate_hash(length=32)
		params = {"MessageSid": sid, "From": number, "To": "+12025550100", "Body": body, "NumMedia": "0"}
		self.assertEqual(twilio_post(inbound, "winback_app.api.sms.inbound", params).status_code, 200)
		return sid

	def test_the_waiting_list_and_a_suggested_answer(self):
		from winback_app.engine.faq import EXAMPLE_PHRASINGS

		f.only_these_segments_enabled()
		twilio_settings()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT)
		f.segment(SEGMENT, "Recall Window", min_days=180, max_days=270)
		answer = frappe.get_doc(
			{
				"doctype": "Win-Back Answer",
				"title": "T E2E Parking",
				"question": "\n".join(EXAMPLE_PHRASINGS["Parking"]),
				"answer": ANSWER_TEXT,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
		self.answers.append(answer.name)
		urgent = self.text(self.patient_with_lapse(), "My face is really swollen and I can't breathe well")
		near = self.text(self.patient_with_lapse(), "is parking available?")
		# the urgent one came in three hours ago
		frappe.db.set_value("Win-Back SMS Reply", urgent, "received_on", now_datetime() - timedelta(hours=3))
		self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", near, "suggested_answer"), answer.name)
		frappe.db.commit()

		with browser.served_site() as base, browser.browser_page() as page:
			browser.sign_in(page, base, "Administrator", PASSWORD)
			page.goto(f"{base}{DESK}/win-back-sms-reply?handled=0&needs_person=1")
			page.wait_for_selector(f".list-row-container [data-name='{urgent}']", timeout=60_000)
			page.wait_for_load_state("networkidle", timeout=60_000)
			browser.screenshot(page, "replies-waiting-list")
			urgent_row = page.locator(f".list-row-container:has([data-name='{urgent}'])").inner_text()
			near_row = page.locator(f".list-row-container:has([data-name='{near}'])").inner_text()
			filters = page.locator(".standard-filter-section").inner_html()

			page.goto(f"{base}{DESK}/win-back-sms-reply/{near}")
			page.wait_for_selector(".form-layout", timeout=60_000)
			page.wait_for_load_state("networkidle", timeout=60_000)
			page.get_by_role("button", name="Reply with the suggested answer").click()
			page.wait_for_selector(".modal.show textarea[data-fieldname='message']", timeout=30_000)
			draft = page.locator(".modal.show textarea[data-fieldname='message']").input_value()
			browser.screenshot(page, "replies-suggested-answer")
			page.keyboard.press("Escape")

			fed = page.evaluate(
				"""() => {
					const socket = frappe.realtime && frappe.realtime.socket;
					const handlers = socket && socket.listeners ? socket.listeners("winback_reply") : [];
					handlers.forEach((h) => h({ reply: "x", from: "Sam Rivera", preview: "my face is swollen", urgent: true }));
					return handlers.length;
				}"""
			)
			page.wait_for_timeout(1000)
			alert = page.locator("#alert-container").inner_html()
			browser.screenshot(page, "replies-urgent-alert")

		self.assertIn("3 hours ago", urgent_row, "each reply's age")
		self.assertIn("Urgent", urgent_row)
		self.assertIn("Question", near_row, "the category")
		self.assertIn('data-fieldname="category"', filters, "the list filters by category")
		self.assertEqual(draft, ANSWER_TEXT)
		self.assertTrue(fed, "the desk listens for winback_reply")
		self.assertIn("Urgent text from Sam Rivera", alert)
		self.assertIn("red", alert)
