"""A patient opens their link in a real browser, picks a time, books, and sees the confirmation."""

import unittest

import frappe

from winback_app.booking.links import booking_token
from winback_app.detection.run import detect_lapses
from winback_app.settings import get_settings

from . import browser
from . import factories as f
from .base import WinBackTestCase


@unittest.skipIf(browser.missing(), browser.missing())
class TestBookingInTheBrowser(WinBackTestCase):
	"""The web server is another process, so the data is committed and removed afterwards."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		self.patient = None
		self.staff = None
		# Every request of this test comes from 127.0.0.1: start its rate-limit counters afresh.
		from winback_app.booking import limits

		for limit in (limits.PAGE_PER_VISITOR, limits.BOOK_PER_VISITOR):
			limits.reset(limit, "127.0.0.1")

	def tearDown(self):
		frappe.db.rollback()
		# detect_lapses() may have opened lapses for other committed patients too: remove every lapse of the campaign.
		lapses = frappe.get_all("Patient Lapse", {"segment": "T E2E Booking"}, pluck="name")
		frappe.db.delete("Win-Back Contact Attempt", {"lapse": ("in", lapses or [""])})
		frappe.db.delete("Patient Lapse", {"name": ("in", lapses or [""])})
		f.remove_committed_patients([self.patient])
		if frappe.db.exists("Campaign Segment", "T E2E Booking"):
			frappe.delete_doc("Campaign Segment", "T E2E Booking", force=True, ignore_permissions=True)
		if self.staff:
			frappe.delete_doc("User", self.staff, force=True, ignore_permissions=True)
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def lapse_with_link(self):
		f.only_these_segments_enabled()
		f.reset_settings(booking_lead_hours=2, booking_appointment_type=f.APPOINTMENT_TYPE)
		f.segment("T E2E Booking", "Recall Window", min_days=180, max_days=270)
		self.patient = f.patient(first_name="Robin", last_name="Quimby")
		f.past_appointment(self.patient, 200)
		detect_lapses()
		[lapse] = f.lapses_of(self.patient)
		token = booking_token({"name": lapse.name, "booking_token_encrypted": None}, get_settings())
		return lapse, token

	def test_signed_in_staff_are_told_whose_link_it_is_and_can_book(self):
		"""frappe checks a CSRF token on every POST of a signed-in session: the page's forms carry it."""
		lapse, token = self.lapse_with_link()
		password = frappe.generate_hash(length=20)
		self.staff = f"wb-e2e-staff-{frappe.generate_hash(length=6)}@example.com"
		frappe.get_doc(
			{
				"doctype": "User",
				"email": self.staff,
				"first_name": "Front",
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": "Win-Back Agent"}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

		with browser.served_site() as base, browser.browser_page() as page:
			login = page.request.post(f"{base}/api/method/login", form={"usr": self.staff, "pwd": password})
			self.assertEqual(login.status, 200)
			page.goto(f"{base}/book/{token}")
			page.get_by_text("This link belongs to the patient").wait_for()
			browser.screenshot(page, "booking-staff-notice")
			page.locator("button.slot").first.click()
			page.get_by_role("heading", name="You're booked, Robin!").wait_for()
			self.assertNotIn("Invalid Request", page.content())

		frappe.db.rollback()
		booked = frappe.db.get_value("Patient Lapse", lapse.name, ["status", "booked_appointment"])
		self.assertEqual(booked[0], "Booked")
		self.assertEqual(frappe.db.get_value("Patient Appointment", booked[1], "patient"), self.patient)

	def test_open_link_choose_a_time_book_and_see_the_confirmation(self):
		lapse, token = self.lapse_with_link()
		frappe.db.commit()

		with browser.served_site() as base, browser.browser_page() as page:
			page.goto(f"{base}/book/{token}")
			page.get_by_role("heading", name="Hi Robin, pick a time that suits you").wait_for()
			self.assertNotIn("Quimby", page.content())
			browser.screenshot(page, "booking-choose")
			page.get_by_role("link", name="Morning").click()
			first = page.locator("button.slot").first
			label = first.get_attribute("aria-label")
			first.click()
			page.get_by_role("heading", name="You're booked, Robin!").wait_for()
			self.assertIn("Add to my calendar", page.content())
			shot = browser.screenshot(page, "booking-confirmed")
		self.assertTrue(shot.exists() and shot.stat().st_size > 1000)

		frappe.db.rollback()  # a fresh snapshot: see what the server committed
		appointments = frappe.get_all(
			"Patient Appointment", {"patient": self.patient}, ["name", "appointment_time", "status"]
		)
		booked = [
			a
			for a in appointments
			if a.status != "Cancelled"
			and a.name == frappe.db.get_value("Patient Lapse", lapse.name, "booked_appointment")
		]
		self.assertEqual(len(booked), 1, (label, appointments))
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse.name, "status"), "Booked")
		self.assertLess(int(str(booked[0].appointment_time).split(":")[0]), 12, "a morning time was chosen")
