"""The hot paths' bulk writer on a real site: one statement, each row its own values, nothing re-created."""

import frappe
from frappe.utils import now_datetime

from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS

from .base import WinBackTestCase


class TestBulk(WinBackTestCase):
	def todos(self, n: int) -> list[str]:
		now = now_datetime()
		names = [f"wb-bulk-{frappe.generate_hash(length=8)}" for _ in range(n)]
		bulk.insert(
			"ToDo",
			[*STANDARD_COLUMNS, "status", "description", "priority"],
			[
				(name, now, now, "Administrator", "Administrator", 0, "Open", f"row {i}", "Low")
				for i, name in enumerate(names)
			],
		)
		return names

	def test_insert_writes_every_row_with_its_values(self):
		names = self.todos(3)
		self.assertEqual(
			frappe.get_all("ToDo", {"name": ("in", names)}, pluck="description", order_by="description"),
			["row 0", "row 1", "row 2"],
		)

	def test_insert_ignoring_duplicates_keeps_the_first(self):
		[name] = self.todos(1)
		now = now_datetime()
		row = (name, now, now, "Administrator", "Administrator", 0, "Open", "again", "Low")
		with self.assertRaises(Exception) as caught:
			bulk.insert("ToDo", [*STANDARD_COLUMNS, "status", "description", "priority"], [row])
		self.assertTrue(frappe.db.is_primary_key_violation(caught.exception))
		bulk.insert(
			"ToDo", [*STANDARD_COLUMNS, "status", "description", "priority"], [row], ignore_duplicates=True
		)
		self.assertEqual(frappe.db.get_value("ToDo", name, "description"), "row 0")

	def test_update_sets_each_rows_own_values_and_never_creates_rows(self):
		names = self.todos(3)
		frappe.db.set_value("ToDo", names[2], "modified", "2020-01-01 00:00:00", update_modified=False)
		written = bulk.update_dicts(
			"ToDo",
			{
				names[0]: {"status": "Closed", "description": "first"},
				names[1]: {"description": "second"},  # another shape: its status stays
				"wb-bulk-missing": {"status": "Closed", "description": "ghost"},
			},
		)
		self.assertEqual(written, 2)
		self.assertEqual(
			[frappe.db.get_value("ToDo", n, ["status", "description"]) for n in names],
			[("Closed", "first"), ("Open", "second"), ("Open", "row 2")],
		)
		self.assertFalse(
			frappe.db.exists("ToDo", "wb-bulk-missing"), "a missing row is skipped, not inserted"
		)
		self.assertEqual(str(frappe.db.get_value("ToDo", names[2], "modified")), "2020-01-01 00:00:00")
		self.assertGreater(
			frappe.db.get_value("ToDo", names[0], "modified"), frappe.utils.get_datetime("2021-01-01")
		)

	def test_update_without_modified_leaves_it(self):
		[name] = self.todos(1)
		frappe.db.set_value("ToDo", name, "modified", "2020-01-01 00:00:00", update_modified=False)
		bulk.update_dicts("ToDo", {name: {"description": "quiet"}}, update_modified=False)
		self.assertEqual(
			frappe.db.get_value("ToDo", name, ["description", "modified"]),
			("quiet", frappe.utils.get_datetime("2020-01-01 00:00:00")),
		)
