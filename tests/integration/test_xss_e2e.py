"""A stranger texts the clinic an <img onerror> payload; an Administrator opens the reply, the lapse and the
patient in headless Chromium (the app's own alert sends staff to exactly those records), and gets the live
alert for it. No script runs.

How "no script ran" is seen: every assignment to document.title is recorded by an init script before the desk
loads (frappe sets the title itself on every route, so reading it once at the end could miss the payload's
write), and a second payload bumps a counter. A control proves the harness would see an attack: the same rows
as the old code stored them (raw, before the fix) do run the payload, until the app's patch makes them inert.
"""

import unittest

import frappe
from frappe.utils.password import update_password

from winback_app.compat import DESK
from winback_app.detection.run import detect_lapses
from winback_app.infra.communications import new_name
from winback_app.infra.naming import STANDARD_COLUMNS

from . import browser
from . import factories as f
from .base import WinBackTestCase
from .test_dispatch import twilio_post, twilio_settings

PASSWORD = "Xss-Check-2026!"
SEGMENT = "T E2E Hostile Text"
AGENT = "winback-desk@example.com"
TITLE = "<img src=x onerror=\"document.title='pwned'\">"
COUNTER = '<img src=y onerror="window.__xss=(window.__xss||0)+1">'
PAYLOAD = f"Hi, is Saturday ok? {TITLE} {COUNTER}"
WATCH_TITLE = """
(() => {
	const desc = Object.getOwnPropertyDescriptor(Document.prototype, "title");
	window.__titles = [];
	Object.defineProperty(Document.prototype, "title", {
		configurable: true,
		get() { return desc.get.call(this); },
		set(value) { window.__titles.push(String(value)); desc.set.call(this, value); },
	});
})();
"""


@unittest.skipIf(browser.missing(), browser.missing())
class TestHostileTextInTheDesk(WinBackTestCase):
	"""The web server is another process: the data is committed here and removed afterwards."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		f.desk_user(AGENT)
		self.patients = []
		update_password("Administrator", PASSWORD)
		frappe.db.commit()

	def tearDown(self):
		frappe.db.rollback()
		f.remove_committed_campaign(SEGMENT, self.patients)
		f.only_these_segments_enabled()
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def patient_with_lapse(self) -> tuple[str, str, str]:
		p = f.patient()
		self.patients.append(p)
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		number = frappe.db.get_value("Win-Back Patient Phone", {"patient": p, "source": "Mobile"}, "phone")
		return p, lapse.name, number

	def text(self, number: str, body: str) -> str:
		from winback_app.api.sms import inbound

		sid = "SM" + frappe.generate_hash(length=32)
		params = {"MessageSid": sid, "From": number, "To": "+12025550100", "Body": body, "NumMedia": "0"}
		response = twilio_post(inbound, "winback_app.api.sms.inbound", params)
		self.assertEqual(response.status_code, 200)
		return sid

	def as_the_old_code_stored_it(self, p: str, lapse: str, number: str) -> str:
		"""A reply and its Communication written raw, as every version before the fix did."""
		from winback_app.infra import bulk

		now, sid, comm = frappe.utils.now_datetime(), "SM" + frappe.generate_hash(length=32), new_name()
		bulk.insert(
			"Win-Back SMS Reply",
			[*STANDARD_COLUMNS, "message_sid", "from_number", "received_on", "body", "patient", "lapse"]
			+ ["intent", "needs_person", "communication"],
			[(sid, now, now, "Guest", "Guest", 0, sid, number, now, PAYLOAD, p, lapse, "Question", 1, comm)],
		)
		frappe.db.bulk_insert(
			"Communication",
			["name", "creation", "modified", "owner", "modified_by", "subject", "communication_medium"]
			+ [
				"communication_type",
				"status",
				"sent_or_received",
				"communication_date",
				"content",
				"phone_no",
			]
			+ ["reference_doctype", "reference_name", "text_content"],
			[
				(comm, now, now, "Guest", "Guest", "Text message from patient", "SMS", "Communication")
				+ ("Linked", "Received", now, PAYLOAD, number, "Patient Lapse", lapse, PAYLOAD)
			],
		)
		frappe.db.bulk_insert(
			"Communication Link",
			["name", "creation", "modified", "owner", "modified_by", "parent", "parentfield", "parenttype"]
			+ ["idx", "link_doctype", "link_name", "link_title"],
			[
				(
					new_name(),
					now,
					now,
					"Guest",
					"Guest",
					comm,
					"timeline_links",
					"Communication",
					1,
					"Patient",
					p,
					p,
				)
			],
		)
		return sid

	def open_in_desk(self, page, base: str, routes: dict[str, str], shot_prefix: str) -> dict[str, dict]:
		"""Open each desk route; return, per route, the titles the page set and the counter's value."""
		seen = {}
		for label, route in routes.items():
			page.goto(f"{base}{route}")
			try:
				page.wait_for_selector(".form-layout", timeout=60_000)
				page.wait_for_selector(".new-timeline", timeout=60_000)
				page.wait_for_load_state("networkidle", timeout=60_000)
			except Exception:
				browser.screenshot(page, f"{shot_prefix}-{label}-failed")
				raise
			page.wait_for_timeout(1500)  # let any broken image report its error
			browser.screenshot(page, f"{shot_prefix}-{label}")
			seen[label] = {
				"titles": page.evaluate("window.__titles"),
				"counter": page.evaluate("window.__xss || 0"),
				"text": page.locator(".page-content:visible").inner_text(),
			}
		return seen

	def login(self, page, base: str) -> None:
		page.add_init_script(WATCH_TITLE)
		browser.sign_in(page, base, "Administrator", PASSWORD)

	def test_no_script_runs_from_a_hostile_text(self):
		f.only_these_segments_enabled()
		twilio_settings()
		f.reset_settings(sending_mode="Twilio", front_desk_user=AGENT)
		f.segment(SEGMENT, "Recall Window", min_days=180, max_days=270)
		p, lapse, number = self.patient_with_lapse()
		sid = self.text(number, PAYLOAD)  # through the real signed webhook
		old_p, old_lapse, old_number = self.patient_with_lapse()
		old_sid = self.as_the_old_code_stored_it(old_p, old_lapse, old_number)
		frappe.db.commit()

		routes = {
			"reply": f"{DESK}/win-back-sms-reply/{sid}",
			"lapse": f"{DESK}/patient-lapse/{lapse}",
			"patient": f"{DESK}/patient/{p}",
		}
		old_routes = {
			"reply": f"{DESK}/win-back-sms-reply/{old_sid}",
			"lapse": f"{DESK}/patient-lapse/{old_lapse}",
			"patient": f"{DESK}/patient/{old_p}",
		}
		with browser.served_site() as base, browser.browser_page() as page:
			self.login(page, base)
			now = self.open_in_desk(page, base, routes, "xss-fixed")
			control = self.open_in_desk(page, base, old_routes, "xss-control-before-patch")

			from winback_app.patches.v1_0 import inert_stored_texts

			inert_stored_texts.execute()
			frappe.db.commit()
			patched = self.open_in_desk(page, base, old_routes, "xss-control-after-patch")
			alert = self.live_alert(page)

		# The control: rows as the old code stored them run the payload in this very desk.
		self.assertTrue(
			any("pwned" in s["titles"] or s["counter"] for s in control.values()),
			f"the harness must see the old attack: {control}",
		)
		for label, state in [*now.items(), *(("patched " + k, v) for k, v in patched.items())]:
			self.assertNotIn("pwned", state["titles"], label)
			self.assertEqual(state["counter"], 0, label)
		# Staff still read the patient's words, as text.
		self.assertIn("onerror=", now["reply"]["text"])
		self.assertIn("onerror=", now["lapse"]["text"])
		# The live alert for a reply (its handler is registered once the desk has started).
		self.assertIsNotNone(alert, "the desk listens for winback_reply")
		self.assertNotIn("pwned", alert["titles"])
		self.assertEqual(alert["counter"], 0)
		self.assertIn("onerror=", alert["text"])

	def live_alert(self, page) -> dict | None:
		"""The desk's realtime alert for a reply, fed the payload as the socket would (None: nobody listens)."""
		fed = page.evaluate(
			"""(payload) => {
				const socket = frappe.realtime && frappe.realtime.socket;
				const handlers = socket && socket.listeners ? socket.listeners("winback_reply") : [];
				handlers.forEach((h) => h({ reply: "x", from: payload, preview: payload }));
				return handlers.length;
			}""",
			PAYLOAD,
		)
		if not fed:
			return None
		page.wait_for_timeout(1500)
		browser.screenshot(page, "xss-live-alert")
		return {
			"titles": page.evaluate("window.__titles"),
			"counter": page.evaluate("window.__xss || 0"),
			"text": page.locator("#alert-container").inner_text(),
		}
