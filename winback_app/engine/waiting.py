"""No reply and no lapse left hanging: when an unanswered reply reminds someone, and when a pause is over.

One job: the time rules of the two jobs that keep conversations moving, as plain functions the Frappe side
turns into set-based WHERE clauses (cutoffs) or applies per row (decisions).

- A reply waiting for a person (needs_person, not handled) reminds its assignee once it has waited
  Settings > reply_reminder_hours, and the Win-Back Managers once it has waited twice that (each once).
- A lapse waiting on the patient (a booking link or the morning/afternoon/evening choices went out, nothing is
  booked, nothing waits for a person) is released after Settings > waiting_on_patient_days: back to its cadence
  when touches are still planned, else Exhausted, so the patient is never shut out of later campaigns by a
  pause nobody will end. A lapse waiting on a person is never released here: its reply reminds instead.

Standard library only; never reads the clock (callers pass now); never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback_app.engine import lifecycle as lc

DEFAULT_REMINDER_HOURS = 4
DEFAULT_WAITING_DAYS = 7
ESCALATION_FACTOR = 2  # the managers hear of a reply after twice the assignee's hours

ASSIGNEE = "assignee"
MANAGERS = "managers"


@dataclass(frozen=True)
class ReminderCutoffs:
	"""Replies received at or before these instants are due the reminder (None: reminders are off)."""

	assignee: datetime | None
	managers: datetime | None


def reminder_cutoffs(now: datetime, hours: int | None) -> ReminderCutoffs:
	"""hours: Settings > reply_reminder_hours (0 or negative: no reminders; None: the default, 4)."""
	hours = DEFAULT_REMINDER_HOURS if hours is None else hours
	if hours <= 0:
		return ReminderCutoffs(None, None)
	return ReminderCutoffs(now - timedelta(hours=hours), now - timedelta(hours=hours * ESCALATION_FACTOR))


def reminders_due(
	received_on: datetime,
	now: datetime,
	hours: int | None,
	*,
	reminded: bool,
	escalated: bool,
) -> tuple[str, ...]:
	"""Which reminders one waiting reply is due now: (), (ASSIGNEE,), (MANAGERS,) or both (a reply that
	waited past both while the job was not running gets both at once)."""
	cut = reminder_cutoffs(now, hours)
	due = []
	if cut.assignee and not reminded and received_on <= cut.assignee:
		due.append(ASSIGNEE)
	if cut.managers and not escalated and received_on <= cut.managers:
		due.append(MANAGERS)
	return tuple(due)


def waited_hours(received_on: datetime, now: datetime) -> int:
	"""Whole hours a reply has waited (for the reminder's wording)."""
	return max(0, int((now - received_on).total_seconds() // 3600))


def release_cutoff(now: datetime, days: int | None) -> datetime | None:
	"""Lapses waiting on the patient since at or before this instant are released (None: never)."""
	days = DEFAULT_WAITING_DAYS if days is None else days
	if days <= 0:
		return None
	return now - timedelta(days=days)


def after_waiting(has_planned_touches: bool) -> str:
	"""Where a released lapse goes: its cadence, if anything is still planned, else Exhausted."""
	return lc.IN_CADENCE if has_planned_touches else lc.EXHAUSTED


RELEASE_REASON = "No booking within the waiting days after the patient's reply"
