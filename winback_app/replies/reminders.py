"""Unanswered replies remind someone: the assignee after Settings > reply_reminder_hours, the managers after twice
that (each once per reply).

The scheduled job (tasks.remind_unanswered_replies) is set-based: one locking read of the replies due a reminder
(SKIP LOCKED, so two runs never remind twice), one read of their open ToDos, one multi-row insert of Notification
Logs, one UPDATE per reminder level, and one live "notification" event per user. A notification names the
patient (escaped: the name may come from the host's public registration form) and how long the reply has waited;
never the number or the words. When to remind is decided in engine/waiting.py; this module only reads and writes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint, escape_html, get_fullname, now_datetime

from winback_app import staff
from winback_app.engine import waiting
from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS
from winback_app.settings import get_settings

Reply = DocType("Win-Back SMS Reply")
ToDo = DocType("ToDo")
NotificationSettings = DocType("Notification Settings")

BATCH = 1000  # replies per run; a backlog larger than this is reminded over the next runs
NOTIFICATION_COLUMNS = (
	*STANDARD_COLUMNS,
	"subject",
	"for_user",
	"type",
	"document_type",
	"document_name",
	"from_user",
	"read",
)


def remind_unanswered_replies(now: datetime | None = None) -> dict:
	"""Remind whoever each overdue reply waits on. Returns {"assignee": n, "managers": n} (replies reminded)."""
	now = now or now_datetime()
	hours_setting = get_settings().get("reply_reminder_hours")
	hours = None if hours_setting in (None, "") else cint(hours_setting)
	cut = waiting.reminder_cutoffs(now, hours)
	if cut.assignee is None:
		return {"assignee": 0, "managers": 0}
	rows = (
		frappe.qb.from_(Reply)
		.select(
			Reply.name,
			Reply.patient_name,
			Reply.received_on,
			Reply.reminded_on,
			Reply.escalated_on,
			Reply.routed_to,
		)
		.where(Reply.needs_person == 1)
		.where(Reply.handled == 0)
		.where(Reply.received_on <= cut.assignee)
		.where(
			Reply.reminded_on.isnull() | (Reply.escalated_on.isnull() & (Reply.received_on <= cut.managers))
		)
		.orderby(Reply.received_on)
		.limit(BATCH)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)
	to_assignee, to_managers = [], []
	for row in rows:
		due = waiting.reminders_due(
			row.received_on,
			now,
			hours,
			reminded=row.reminded_on is not None,
			escalated=row.escalated_on is not None,
		)
		if waiting.ASSIGNEE in due:
			to_assignee.append(row)
		if waiting.MANAGERS in due:
			to_managers.append(row)
	if not (to_assignee or to_managers):
		return {"assignee": 0, "managers": 0}

	assignees = _assignees([row.name for row in rows], {row.name: row.routed_to for row in rows})
	notes: list[tuple[str, str, str]] = []  # (user, reply, subject)
	for row in to_assignee:
		subject = _("Reply from {0} has waited {1} hours for an answer").format(
			_who(row), waiting.waited_hours(row.received_on, now)
		)
		notes.extend((user, row.name, subject) for user in assignees[row.name])
	if to_managers:
		managers = staff.managers()
		for row in to_managers:
			subject = _("Reply from {0} is still unanswered after {1} hours (assigned to {2})").format(
				_who(row),
				waiting.waited_hours(row.received_on, now),
				escape_html(", ".join(get_fullname(user) for user in assignees[row.name])),
			)
			notes.extend((user, row.name, subject) for user in managers)
	_notify(notes, now)
	_stamp(Reply.reminded_on, [row.name for row in to_assignee], now)
	_stamp(Reply.escalated_on, [row.name for row in to_managers], now)
	return {"assignee": len(to_assignee), "managers": len(to_managers)}


def _who(row) -> str:
	"""The patient's name, escaped, as frappe's notifications show a title; no name, no number either."""
	name = (row.patient_name or "").strip() or _("an unknown sender")
	return f'<b class="subject-title">{escape_html(name)}</b>'


def _assignees(replies: list[str], routed_to: dict[str, str | None]) -> dict[str, list[str]]:
	"""Each reply's people: its open ToDos' users, else the users it was routed to, else the front desk."""
	owners: dict[str, set[str]] = defaultdict(set)
	for reply, user in (
		frappe.qb.from_(ToDo)
		.select(ToDo.reference_name, ToDo.allocated_to)
		.where(ToDo.reference_type == "Win-Back SMS Reply")
		.where(ToDo.reference_name.isin(replies))
		.where(ToDo.status == "Open")
		.run()
	):
		if user:
			owners[reply].add(user)
	desk: list[str] | None = None
	result = {}
	for reply in replies:
		people = owners.get(reply) or {u for u in (routed_to.get(reply) or "").split() if u}
		if not people:
			if desk is None:
				desk = staff.front_desk_users()
			people = set(desk)
		result[reply] = sorted(people)
	return result


def _notify(notes: list[tuple[str, str, str]], now: datetime) -> None:
	"""One Notification Log per (user, reply), in one statement, for users who have notifications on."""
	users = sorted({user for user, _reply, _subject in notes})
	if not users:
		return
	muted = set(
		frappe.qb.from_(NotificationSettings)
		.select(NotificationSettings.name)
		.where(NotificationSettings.name.isin(users))
		.where(NotificationSettings.enabled == 0)
		.run(pluck=True)
	)
	rows = [
		(
			frappe.generate_hash(length=10),
			now,
			now,
			"Administrator",
			"Administrator",
			0,
			subject,
			user,
			"Alert",
			"Win-Back SMS Reply",
			reply,
			"Administrator",
			0,
		)
		for user, reply, subject in notes
		if user not in muted
	]
	if not rows:
		return
	bulk.insert("Notification Log", NOTIFICATION_COLUMNS, rows)
	told = sorted({row[7] for row in rows})
	# What Notification Log.after_insert does, once per user instead of once per row: the bell shows them.
	frappe.qb.update(NotificationSettings).set(NotificationSettings.seen, 0).where(
		NotificationSettings.name.isin(told)
	).run()
	for user in told:
		frappe.publish_realtime("notification", user=user, after_commit=True)


def _stamp(column, replies: list[str], now: datetime) -> None:
	if replies:
		frappe.qb.update(Reply).set(column, now).where(Reply.name.isin(replies)).run()
