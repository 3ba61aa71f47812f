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


def concurrently(*jobs, user: str = "Administrator", timeout: float = 600):
	"""Run each job at the same moment in its own thread with its own site connection, as separate RQ workers
	or web requests would. Returns (results, errors); the caller's connection gets a fresh snapshot after."""
	import threading

	site, sites_path = frappe.local.site, frappe.local.sites_path
	results, errors = [None] * len(jobs), []
	start = threading.Barrier(len(jobs))

	def run(index, job):
		try:
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			frappe.set_user(user)
			start.wait(timeout=30)
			results[index] = job()
		except Exception as exc:  # surfaced to the test through `errors`
			errors.append(exc)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=timeout)
	frappe.db.rollback()
	return results, errors
