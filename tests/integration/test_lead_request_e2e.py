"""A visitor fills the request-an-appointment form in a real browser and sees the confirmation; the Lead, its
consent and the first text are on record."""

import time
import unittest

import frappe

from winback_app.engine import leads as rules
from winback_app.leads import request_form, run

from . import browser
from . import factories as f
from .base import WinBackTestCase
from .test_leads import e164, number, remove_leads


@unittest.skipIf(browser.missing(), browser.missing())
class TestRequestFormInTheBrowser(WinBackTestCase):
	"""The web server is another process, so the data is committed and removed afterwards."""

	def setUp(self):
		super().setUp()
		f.reset_settings(default_time_zone=frappe.utils.get_system_timezone())
		frappe.db.commit()
		self.leads_before = set(frappe.get_all("Win-Back Lead", pluck="name"))
		self.leads: list[str] = []
		from winback_app.booking import limits

		for limit in (request_form.PAGE_PER_VISITOR, request_form.SEND_PER_VISITOR):
			limits.reset(limit, "127.0.0.1")

	def tearDown(self):
		frappe.db.rollback()
		remove_leads(self.leads, [], [], self.leads_before)
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def test_a_visitor_requests_an_appointment_and_sees_the_confirmation(self):
		raw = number()
		with browser.served_site() as base, browser.browser_page() as page:
			page.goto(f"{base}/request")
			page.get_by_role("heading", name="Request an appointment").wait_for()
			box = page.locator("input[name=nickname]").bounding_box()
			self.assertLess(box["x"] + box["width"], 0, "the honeypot is off screen, out of a person's way")
			page.get_by_label("First name").fill("Morgan")
			page.get_by_label("Last name").fill("Okafor")
			page.get_by_label("Mobile number").fill(raw)
			page.get_by_label("Which days and times suit you?").fill("Friday morning")
			consent = page.get_by_label("may text me at this number")
			self.assertIn("Bright Smile Dental", consent.locator("xpath=..").inner_text())
			consent.check()
			browser.screenshot(page, "lead-request-form")
			time.sleep(request_form.MIN_SECONDS + 0.5)  # a person takes longer than a bot
			page.get_by_role("button", name="Send my request").click()
			page.locator("[data-request-sent]").wait_for()
			self.assertIn("Thank you! We have your request.", page.inner_text("main"))
			browser.screenshot(page, "lead-request-sent")

		frappe.db.rollback()  # a fresh snapshot: the server committed the request
		self.leads = frappe.get_all("Lead", {"mobile_no": e164(raw)}, pluck="name")
		self.assertEqual(len(self.leads), 1)
		wl = frappe.db.get_value("Win-Back Lead", {"lead": self.leads[0]}, "*", as_dict=True)
		self.assertEqual(
			(wl.source, wl.first_name, wl.sms_consent), (rules.REQUEST_FORM, "Morgan", "Granted")
		)
		self.assertIn("Bright Smile Dental may text me", wl.consent_wording)
		self.assertEqual(wl.preferred_times, "Friday morning")
		# The first text was queued with the Lead, due at once (the short-queue worker sends it after the commit;
		# here the test is the worker).
		first = frappe.db.get_value(
			"Win-Back Lead Text",
			{"lead_record": wl.name, "step": rules.FIRST},
			["status", "due_at"],
			as_dict=True,
		)
		# A short-queue worker of the bench (any site's) may be sending it right now.
		self.assertIn(first.status, ("Scheduled", "Sending", "Sent"))
		self.assertLessEqual(first.due_at, frappe.utils.now_datetime())
		deadline, state = time.monotonic() + 60, first.status
		while state != "Sent" and time.monotonic() < deadline:
			run.send_now(wl.name)  # the worker's job, here
			frappe.db.rollback()
			state = frappe.db.get_value(
				"Win-Back Lead Text", {"lead_record": wl.name, "step": rules.FIRST}, "status"
			)
			if state != "Sent":
				time.sleep(0.5)
		self.assertEqual(state, "Sent")

	def test_the_manager_sees_the_request_in_the_funnel(self):
		from frappe.utils.password import update_password

		from winback_app.compat import DESK

		from .test_desk_e2e import MANAGER, PASSWORD

		f.desk_user(MANAGER, role="Win-Back Manager")
		update_password(MANAGER, PASSWORD)
		self.leads = [self.visitor_request()]
		frappe.db.commit()
		with browser.served_site() as base, browser.browser_page() as page:
			browser.sign_in(page, base, MANAGER, PASSWORD)
			page.goto(f"{base}{DESK}/query-report/New Patient Funnel")
			page.locator(".dt-row").nth(1).wait_for(timeout=60_000)
			page.wait_for_timeout(1500)  # let the chart finish drawing before the picture
			browser.screenshot(page, "lead-funnel-report")
			report = page.locator(".report-wrapper").inner_text()
			self.assertIn("Request Form", report)
			# Rates read "0%" or "0.0%", never with the site's float precision ("0.000%" on a Frappe 16 site).
			self.assertRegex(report, r"\b0(\.0)?%")
			self.assertNotRegex(report, r"\d\.\d{2,}%")

	def visitor_request(self) -> str:
		"""A request as the form makes it (its checks are the other test's), committed for the web server."""
		req = request_form.Request(
			first_name="Avery",
			last_name="Silva",
			phone=e164(number()),
			email=None,
			preferred_times="Friday morning",
			consent=True,
		)
		return request_form.create_lead(req)
