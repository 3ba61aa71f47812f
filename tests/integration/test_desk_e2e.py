"""A manager logs into the desk after the demo seed, opens the Win-Back workspace and the report."""

import re
import unittest

import frappe
from frappe.utils.password import update_password

from winback_app import demo

from . import browser
from . import factories as f
from .base import WinBackTestCase

MANAGER = "winback-manager@example.com"
PASSWORD = "Demo-Clinic-2026!"


@unittest.skipIf(browser.missing(), browser.missing())
class TestDeskAfterDemo(WinBackTestCase):
	"""The web server is another process: the demo is committed, and removed again afterwards."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		f.desk_user(MANAGER, role="Win-Back Manager")
		user = frappe.get_doc("User", MANAGER)
		if "System Manager" not in [r.role for r in user.roles]:
			user.add_roles("System Manager", "Healthcare Administrator")
		update_password(MANAGER, PASSWORD)
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()
		demo.remove()
		f.only_these_segments_enabled()
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def test_workspace_cards_and_report_show_the_demo_clinic(self):
		result = demo.seed(patients=120, force=True)
		self.assertGreater(result["lapses"], 0)
		self.assertGreater(result["messages"], 0)
		with browser.served_site() as base, browser.browser_page() as page:
			page.set_viewport_size({"width": 1366, "height": 900})
			page.goto(f"{base}/login")
			page.fill("#login_email", MANAGER)
			page.fill("#login_password", PASSWORD)
			page.click(".btn-login")
			try:
				page.wait_for_url(re.compile(r".*/app.*"), timeout=60_000)
			except Exception:
				browser.screenshot(page, "desk-login-failed")
				raise

			page.goto(f"{base}/app/win-back")
			try:
				page.get_by_text("Open win-backs").first.wait_for(timeout=60_000)
			except Exception:
				browser.screenshot(page, "desk-workspace-failed")
				raise
			page.wait_for_function(
				"""() => [...document.querySelectorAll('.number-widget-box .widget-content .number')]
					.filter(e => /\\d/.test(e.textContent)).length >= 4""",
				timeout=60_000,
			)
			numbers = {
				card.locator(".widget-title").inner_text().strip().lower(): card.locator(".number")
				.inner_text()
				.strip()
				for card in page.locator(".number-widget-box").all()
			}
			page.wait_for_timeout(1500)
			browser.screenshot(page, "desk-workspace")
			for label in (
				"Open win-backs",
				"Replies waiting",
				"Call tasks due today",
				"Booked this month",
				"Came back this quarter",
			):
				value = float(re.sub(r"[^\d.]", "", numbers.get(label.lower(), "")) or 0)
				self.assertGreater(value, 0, f"{label}: {numbers}")

			page.goto(f"{base}/app/query-report/Reactivation by Segment")
			page.locator(".dt-row").nth(1).wait_for(timeout=60_000)
			page.wait_for_timeout(1500)  # let the chart finish drawing before the picture
			browser.screenshot(page, "desk-report")
			self.assertIn("6-Month Hygiene Recall", page.locator(".report-wrapper").inner_text())
