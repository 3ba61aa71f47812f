"""The one accessor for Win-Back Settings: read once per request or job, with defaults, as plain data.

Jobs call get_settings() once and pass the result down; nothing re-reads the Single inside a loop.
"""

from __future__ import annotations

import frappe
from frappe.utils import cint, get_system_timezone

from winback_app.engine.window import SendWindow

WEEKDAY_FIELDS = (
	"send_on_monday",
	"send_on_tuesday",
	"send_on_wednesday",
	"send_on_thursday",
	"send_on_friday",
	"send_on_saturday",
	"send_on_sunday",
)


def get_settings():
	"""The cached Settings document (frappe clears the cache when it is saved)."""
	return frappe.get_cached_doc("Win-Back Settings")


def clinic_time_zone() -> str:
	return get_settings().default_time_zone or get_system_timezone()


def send_window() -> SendWindow:
	s = get_settings()
	return SendWindow.from_settings(
		start=str(s.window_start or "09:00:00"),
		end=str(s.window_end or "19:00:00"),
		weekdays=tuple(i for i, f in enumerate(WEEKDAY_FIELDS) if cint(s.get(f))),
	)


def phone_region() -> str:
	return (get_settings().default_region or "US").upper()
