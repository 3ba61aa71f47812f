"""Frappe 15 and Frappe 16 (Marley Health 15 and 16): the few places the two lines differ, in one module.

Nothing else in the app reads the framework's version. What differs, and what the app does about it:

- The desk moved from /app to /desk in v16: links the app builds point at DESK (frappe's own get_url_to_form
  and, in the browser, frappe.utils.get_form_link follow it by themselves).
- Test mode: v16 reads the module attribute frappe.in_test (set by frappe.tests.utils.toggle_test_mode); v15 only
  frappe.flags.in_test. in_test() answers for both, set_in_test() sets both.
- MariaDB 11.8 (v16's database) has innodb_snapshot_isolation on: a locking read of a row another transaction
  changed after this one's snapshot fails with error 1020 ("Record has changed since last read"), which frappe
  raises as QueryDeadlockError. Callers that take a lock after reading (booking) retry the transaction whole,
  as they would after a deadlock: RETRYABLE names both.
- A naming series' first number of a period (an appointment's HLC-APP-.YYYY.-, the first one of a new year) is
  created by an INSERT into tabSeries: two bookings creating it at the same moment make the second fail with a
  duplicate key, and a fresh transaction would simply take the next number. FirstNumberTaken says so, and is
  RETRYABLE too.
"""

from __future__ import annotations

import frappe

FRAPPE_MAJOR = int(str(getattr(frappe, "__version__", "15")).split(".")[0] or 15)
DESK = "/desk" if FRAPPE_MAJOR >= 16 else "/app"


class FirstNumberTaken(Exception):
	"""Another transaction created the first number of the same naming series at the same moment."""


RETRYABLE = (frappe.QueryDeadlockError, FirstNumberTaken)


def first_number_taken(exc: BaseException) -> bool:
	"""A duplicate key raised while frappe created a naming series' row (naming.getseries inserts it on the
	series' first use): the only duplicate a fresh transaction cannot hit again, because the row exists then."""
	import traceback

	if not getattr(exc, "args", None) or not frappe.db.is_duplicate_entry(exc):
		return False
	return any(frame.name == "getseries" for frame in traceback.extract_tb(exc.__traceback__))


def desk_path(route: str) -> str:
	"""A path in the desk: desk_path("win-back-contact-attempt?status=x") -> "/app/win-back-contact-attempt?..."."""
	return f"{DESK}/{route.lstrip('/')}"


def in_test() -> bool:
	"""frappe is running tests (either line's way of saying so)."""
	return bool(getattr(frappe, "in_test", False) or frappe.flags.in_test)


def set_in_test(enabled: bool) -> None:
	"""Switch test mode the way the running line does (the test harness)."""
	try:
		from frappe.tests.utils import toggle_test_mode  # v16
	except ImportError:
		toggle_test_mode = None
	if toggle_test_mode is not None:
		toggle_test_mode(enabled)
	frappe.flags.in_test = enabled
