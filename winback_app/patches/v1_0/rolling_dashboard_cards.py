"""The workspace's "Booked this month" card became "Booked in the last 30 days" (a calendar month shows
nothing on its first days); its old Number Card record would otherwise stay behind on existing sites."""

import frappe


def execute():
	frappe.delete_doc("Number Card", "Win-Back Booked This Month", force=True, ignore_missing=True)
