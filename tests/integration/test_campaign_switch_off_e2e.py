"""A manager switches a campaign off in the desk and is asked whether its planned messages should still go out;
"Cancel planned messages" cancels them, "Let them go out" leaves them. Headless Chromium against the site served
by gunicorn; the records are committed (the server is another process) and removed afterwards."""

import unittest

import frappe
from frappe.utils import add_days, now_datetime
from frappe.utils.password import update_password

from winback_app.compat import DESK

from . import browser
from . import factories as f
from .base import WinBackTestCase

MANAGER = "winback-campaigns@example.com"
PASSWORD = "Switch-Off-2026!"


@unittest.skipIf(browser.missing(), browser.missing())
class TestSwitchingACampaignOff(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.desk_user(MANAGER, role="Win-Back Manager")
		update_password(MANAGER, PASSWORD)
		self.segment = f.segment(
			f"T Switch Off {frappe.generate_hash(length=6)}", "Recall Window", min_days=180, max_days=270
		)
		self.attempts = self.planned(2)
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()
		frappe.db.delete("Win-Back Contact Attempt", {"segment": self.segment})
		frappe.delete_doc("Campaign Segment", self.segment, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDown()

	def planned(self, n: int) -> list[str]:
		"""n Scheduled attempts of the campaign, due next week (rows only: the form counts them by campaign)."""
		now = now_datetime()
		names = [f"_T-WBA-{frappe.generate_hash(length=8)}" for _ in range(n)]
		frappe.db.bulk_insert(
			"Win-Back Contact Attempt",
			[
				"name",
				"creation",
				"modified",
				"owner",
				"modified_by",
				"docstatus",
				"lapse",
				"touch",
				"segment",
				"channel",
				"status",
				"due_at",
				"day_offset",
				"tries",
			],  # fmt: skip
			[
				(
					name,
					now,
					now,
					"Administrator",
					"Administrator",
					0,
					f"_T-LAPSE-{name}",
					"t1",
					self.segment,
					"SMS",
					"Scheduled",
					add_days(now, 7),
					1,
					0,
				)  # fmt: skip
				for name in names
			],
		)
		return names

	def statuses(self) -> list[str]:
		frappe.db.rollback()
		return sorted(
			frappe.get_all("Win-Back Contact Attempt", filters={"segment": self.segment}, pluck="status")
		)

	def switch_off(self, page, base: str, choice: str):
		page.goto(f"{base}{DESK}/campaign-segment/{self.segment}")
		enabled = page.locator('input[data-fieldname="enabled"][data-doctype="Campaign Segment"]')
		enabled.wait_for(timeout=60_000)
		self.assertTrue(enabled.is_checked())
		enabled.uncheck()
		page.keyboard.press("Control+s")
		dialog = page.locator(".modal.show", has_text="Campaign switched off")
		try:
			dialog.wait_for(timeout=30_000)
		except Exception:
			browser.screenshot(page, "campaign-switch-off-no-dialog")
			raise
		self.assertIn("2 messages of this campaign are planned", dialog.inner_text())
		browser.screenshot(page, f"campaign-switch-off-{choice.split()[0].lower()}")
		dialog.get_by_role("button", name=choice).click()
		dialog.wait_for(state="hidden", timeout=30_000)

	def test_the_manager_cancels_or_keeps_the_planned_messages(self):
		with browser.served_site() as base, browser.browser_page() as page:
			browser.sign_in(page, base, MANAGER, PASSWORD)

			self.switch_off(page, base, "Let them go out")
			self.assertFalse(frappe.db.get_value("Campaign Segment", self.segment, "enabled"))
			self.assertEqual(self.statuses(), ["Scheduled", "Scheduled"], "nothing was cancelled")

			frappe.db.set_value("Campaign Segment", self.segment, "enabled", 1)
			frappe.db.commit()
			self.switch_off(page, base, "Cancel planned messages")
			page.get_by_text("2 planned messages cancelled.").wait_for(timeout=30_000)
			self.assertEqual(self.statuses(), ["Cancelled", "Cancelled"])
			reasons = frappe.get_all(
				"Win-Back Contact Attempt", filters={"segment": self.segment}, pluck="skip_reason"
			)
			self.assertEqual(set(reasons), {"Campaign switched off"})
