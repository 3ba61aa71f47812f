"""Time conversions at the database edge: the DB stores naive datetimes in the system time zone; the engine
works in aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from frappe.utils import get_system_timezone, now_datetime


def to_utc(naive_system: datetime) -> datetime:
	return naive_system.replace(tzinfo=ZoneInfo(get_system_timezone())).astimezone(timezone.utc)


def to_db(aware: datetime) -> datetime:
	return aware.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None, microsecond=0)


def now_utc() -> datetime:
	return to_utc(now_datetime())
