"""READ COMMITTED for the jobs that work through rows other sessions keep writing.

At MariaDB's default REPEATABLE READ a locking read also locks the gaps between the rows it scans, so a job
that takes rows with FOR UPDATE SKIP LOCKED would block every web request inserting a row into those gaps
until it commits; and its snapshot would hide what those requests committed meanwhile. At READ COMMITTED each
statement sees what was committed, and only matching rows stay locked.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe

from winback_app.compat import in_test


@contextmanager
def read_committed():
	"""Run the block in fresh transactions at READ COMMITTED; commits what was open before, rolls back after.

	Tests run inside one rolled-back transaction, so there the block runs as it is.
	"""
	if in_test():
		yield
		return
	frappe.db.commit()
	frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
	try:
		frappe.db.commit()  # the next transaction starts at the new level
		yield
	finally:
		frappe.db.rollback()
		frappe.db.sql("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
