"""Base class for integration tests: FrappeTestCase with a rollback after every test."""

import frappe
from frappe.tests.utils import FrappeTestCase


class WinBackTestCase(FrappeTestCase):
	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		frappe.flags.sent_mail = None

	def tearDown(self):
		frappe.db.rollback()
		frappe.set_user("Administrator")
		frappe.local.message_log = []
		super().tearDown()
