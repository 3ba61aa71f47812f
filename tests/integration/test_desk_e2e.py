"""A manager logs into the desk after the demo seed, opens the Win-Back workspace and the report; the
workspace's cards show the demo clinic on any day of the year, the first of a month included."""

import json
import re
import unittest
from datetime import datetime, time

import frappe
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.utils import add_months, getdate
from frappe.utils.password import update_password

from winback_app import demo
from winback_app.compat import DESK

from . import browser
from . import factories as f
from .base import WinBackTestCase

MANAGER = "winback-manager@example.com"
PASSWORD = "Demo-Clinic-2026!"
CARD_LABELS = (
	"Open win-backs",
	"Replies waiting",
	"Call tasks due today",
	"Booked in the last 30 days",
	"Came back (last 90 days)",
)


def card_values() -> dict[str, float]:
	"""Each workspace number card's figure, computed the way the desk asks for it (dynamic filters as the
	desk's JavaScript evaluates them: "today" is the frozen server date here)."""
	workspace = frappe.get_doc("Workspace", "Win-Back")
	values = {}
	for row in workspace.number_cards:
		card = frappe.get_doc("Number Card", row.number_card_name)
		if card.type == "Custom":
			values[row.label] = frappe.call(card.method)["value"]
			continue
		filters = json.loads(card.filters_json or "[]")
		for doctype, field, op, value in json.loads(card.dynamic_filters_json or "[]"):
			filters.append([doctype, field, op, str(getdate()) if "get_today" in value else value])
		values[row.label] = get_result(card.as_dict(), filters)
	return values


class DemoCase(WinBackTestCase):
	"""The demo is committed (it runs in stages), so it is removed again afterwards."""

	def tearDown(self):
		frappe.db.rollback()
		demo.remove()
		f.only_these_segments_enabled()
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()


class TestCardsOnTheFirstOfAMonth(DemoCase):
	def test_every_card_shows_the_demo_on_the_first_of_a_month(self):
		f.reference_records()
		frappe.db.commit()
		# The first of next month, 10:00: every day-of-month and quarter boundary effect shows here.
		first = add_months(getdate(), 1).replace(day=1)
		with self.freeze_time(datetime.combine(first, time(10, 0))):
			self.assertEqual(getdate().day, 1)
			demo.seed(patients=120, force=True)
			values = card_values()
		self.assertEqual(set(values), set(CARD_LABELS))
		for label, value in values.items():
			self.assertGreater(value, 0, f"{label} on {first}: {values}")


@unittest.skipIf(browser.missing(), browser.missing())
class TestDeskAfterDemo(DemoCase):
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

	def test_workspace_cards_and_report_show_the_demo_clinic(self):
		result = demo.seed(patients=120, force=True)
		self.assertGreater(result["lapses"], 0)
		self.assertGreater(result["messages"], 0)
		with browser.served_site() as base, browser.browser_page() as page:
			browser.sign_in(page, base, MANAGER, PASSWORD)
			page.goto(f"{base}{DESK}/win-back")
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
			for label in CARD_LABELS:
				value = float(re.sub(r"[^\d.]", "", numbers.get(label.lower(), "")) or 0)
				self.assertGreater(value, 0, f"{label}: {numbers}")
			# A share reads "6.4%", never with the site's float precision ("4.600%" on a Frappe 16 site).
			self.assertRegex(numbers.get("came back (last 90 days)", ""), r"^\d+(\.\d)?\s*%$", numbers)

			page.goto(f"{base}{DESK}/query-report/Reactivation by Segment")
			page.locator(".dt-row").nth(1).wait_for(timeout=60_000)
			page.wait_for_timeout(1500)  # let the chart finish drawing before the picture
			browser.screenshot(page, "desk-report")
			self.assertIn("6-Month Hygiene Recall", page.locator(".report-wrapper").inner_text())
