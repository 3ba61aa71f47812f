"""Send windows: when a message may reach a patient, in the patient's own time zone, DST included.

Everything takes and returns timezone-aware datetimes; the Frappe side converts from and to the naive
system-time-zone datetimes the database stores. This module never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The outer limits no setting can widen: nobody gets a win-back text before 8:00 or after 21:00 local time.
HARD_START = time(8, 0)
HARD_END = time(21, 0)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


def parse_time(value) -> time:
	"""Accept "9:00", "09:00:00", a time or a timedelta (how MariaDB hands TIME columns back)."""
	if isinstance(value, time):
		return value
	if isinstance(value, timedelta):
		seconds = int(value.total_seconds())
		return time(seconds // 3600 % 24, seconds // 60 % 60, seconds % 60)
	parts = [int(float(p)) for p in str(value).strip().split(":")]
	while len(parts) < 3:
		parts.append(0)
	return time(parts[0], parts[1], parts[2])


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
	for candidate in (name, fallback, "UTC"):
		if candidate:
			try:
				return ZoneInfo(candidate)
			except (ZoneInfoNotFoundError, ValueError):
				continue
	return ZoneInfo("UTC")


def is_valid_zone(name: str | None) -> bool:
	if not name:
		return False
	try:
		ZoneInfo(name)
		return True
	except (ZoneInfoNotFoundError, ValueError):
		return False


def validate_window(start, end, weekdays) -> list[str]:
	errors = []
	start, end = parse_time(start), parse_time(end)
	if start < HARD_START:
		errors.append("Messages may not go out before 8:00.")
	if end > HARD_END:
		errors.append("Messages may not go out after 21:00.")
	if end <= start:
		errors.append("The send window must end after it starts.")
	if not weekdays:
		errors.append("Choose at least one day of the week for sending.")
	return errors


@dataclass(frozen=True)
class SendWindow:
	start: time = time(9, 0)
	end: time = time(19, 0)
	weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)

	@classmethod
	def from_settings(cls, start, end, weekdays) -> SendWindow:
		start, end = max(parse_time(start), HARD_START), min(parse_time(end), HARD_END)
		if end <= start:
			start, end = time(9, 0), time(19, 0)
		return cls(start, end, tuple(sorted(set(weekdays))) or (0, 1, 2, 3, 4))

	def is_open(self, moment: datetime, tz: str | None) -> bool:
		local = _aware(moment).astimezone(zone(tz))
		return local.weekday() in self.weekdays and self.start <= local.time().replace(tzinfo=None) < self.end

	def next_open(self, moment: datetime, tz: str | None) -> datetime:
		"""The earliest instant >= moment inside the window, in UTC."""
		tzinfo = zone(tz)
		local = _aware(moment).astimezone(tzinfo)
		for add in range(0, 8):
			day = local.date() + timedelta(days=add)
			if day.weekday() not in self.weekdays:
				continue
			opens = _wall(day, self.start, tzinfo)
			closes = _wall(day, self.end, tzinfo)
			if local < opens:
				return opens.astimezone(timezone.utc)
			if local < closes:
				return local.astimezone(timezone.utc)
		raise ValueError("The send window has no open day.")

	def closes_at(self, moment: datetime, tz: str | None) -> datetime:
		"""When the window that contains moment closes, in UTC (moment must be inside the window)."""
		tzinfo = zone(tz)
		local = _aware(moment).astimezone(tzinfo)
		return _wall(local.date(), self.end, tzinfo).astimezone(timezone.utc)

	@property
	def never_open(self) -> bool:
		"""True when no moment is inside this window (a state's end before the clinic's start)."""
		return self.end <= self.start or not self.weekdays

	def ending_by(self, latest_end: time | None) -> SendWindow:
		"""The same window, closing at latest_end when that is earlier (a state's stricter evening limit)."""
		if latest_end is None or latest_end >= self.end:
			return self
		return SendWindow(self.start, latest_end, self.weekdays)

	def seconds_left(self, moment: datetime, tz: str | None) -> int:
		"""Whole seconds from moment until the window closes; 0 when moment is outside the window."""
		if not self.is_open(moment, tz):
			return 0
		return max(0, int((self.closes_at(moment, tz) - _aware(moment)).total_seconds()))


def daytime_zone(now_utc: datetime) -> str:
	"""A fixed-offset zone (Etc/GMT...) where it is about noon at now_utc: demos and tests use it to show a
	sending cycle at any hour without touching the send-window rules."""
	offset = max(-12, min(14, 12 - now_utc.astimezone(timezone.utc).hour))
	# Etc/GMT signs are inverted: Etc/GMT-5 is five hours ahead of UTC.
	return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def _wall(day, at: time, tzinfo: ZoneInfo) -> datetime:
	# A wall-clock time that falls in a DST gap does not exist; round-tripping through UTC moves it forward
	# to the real instant (8:00-21:00 never meets a gap in practice, but a wrong setting must not crash).
	local = datetime.combine(day, at, tzinfo=tzinfo)
	return local.astimezone(timezone.utc).astimezone(tzinfo)


def _aware(moment: datetime) -> datetime:
	if moment.tzinfo is None:
		raise ValueError("Send window arithmetic needs timezone-aware datetimes.")
	return moment
