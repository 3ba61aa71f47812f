"""The one writer of a Patient Lapse's status, and of every cancellation of planned touches.

Every move goes through move(): it locks the lapses that may make the move (engine.lifecycle.sources_for),
writes the new status with any values that come with it, and, when the new status ends the episode, cancels
the touches not yet claimed. Set-based: one locking read, one UPDATE per shape of values, one UPDATE of
attempts, whatever the number of lapses. The named moves (book, reactivate, reply, resume, exhaust, opt_out,
close) are what the rest of the app calls; the cancellations that are not a move (a campaign switched off,
a number that cannot get texts, an unsubscribe that withdrew a queued email) are here too, so a Contact
Attempt becomes Cancelled in this module only. The rules themselves (statuses, sets, allowed moves) live in
winback_app.engine.lifecycle; this module decides nothing beyond asking it. A manager's edit of the status
in the desk is checked against the same rules by the Patient Lapse controller, which then calls
cancel_planned() here.
"""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app.engine import lifecycle as lc
from winback_app.infra import bulk

Lapse = DocType("Patient Lapse")
Attempt = DocType("Win-Back Contact Attempt")


def move(
	lapses: list[str],
	to: str,
	*,
	values: dict | None = None,
	per_lapse: dict[str, dict] | None = None,
	cancel_reason: str | None = None,
	only_from: tuple[str, ...] | None = None,
	refresh: bool = False,
) -> list[str]:
	"""Move each of these lapses to `to` where the lifecycle allows it; returns the lapses that moved.

	values: fields set on every moved lapse; per_lapse: fields that differ per lapse ({name: {field: value}}).
	A lapse already in `to`, or in a status that may not move there, is left as it is; with refresh=True a
	lapse already in `to` gets the values too (a second reply to a lapse that waits on the first).
	only_from narrows the statuses a lapse may come from (a person resumes only a lapse that waits on them).
	"""
	if to not in lc.STATUSES:
		raise ValueError(f"Unknown lapse status {to!r}")
	names = sorted(set(lapses))
	if not names:
		return []
	sources = tuple(s for s in lc.sources_for(to) if only_from is None or s in only_from)
	if refresh:
		sources = (*sources, to)
	if not sources:
		return []
	movable = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.name.isin(names))
		.where(Lapse.status.isin(sources))
		.orderby(Lapse.name)
		.for_update()
		.run(pluck=True)
	)
	if not movable:
		return []
	now = now_datetime()
	common = {"status": to, **(values or {})}
	if to in lc.ENDED and "closed_on" not in common:
		common["closed_on"] = now
	per_lapse = per_lapse or {}
	bulk.update_dicts("Patient Lapse", {name: {**common, **per_lapse.get(name, {})} for name in movable})
	if lc.stops_cadence(to):
		cancel_planned(movable, cancel_reason or f"Lapse {to}")
	return movable


def cancel_planned(lapses: list[str], reason: str) -> None:
	"""Cancel every touch of these lapses not claimed yet (Scheduled). One UPDATE."""
	if lapses:
		_cancel(Attempt.lapse.isin(sorted(set(lapses))), reason)


def cancel_campaign_planned(segment: str, reason: str) -> int:
	"""A campaign was switched off and the manager chose to stop its planned touches. Returns how many."""
	count = frappe.db.count("Win-Back Contact Attempt", {"segment": segment, "status": "Scheduled"})
	if count:
		_cancel(Attempt.segment == segment, reason)
	return count


def cancel_planned_texts(patients: list[str], reason: str) -> None:
	"""A number cannot get texts: the planned texts of the patients on it stop (their emails and calls stay)."""
	if patients:
		_cancel(Attempt.patient.isin(patients) & (Attempt.channel == "SMS"), reason)


def withdraw_emails(lapses: list[str], email: str, reason: str) -> None:
	"""Emails of these lapses that were queued and withdrawn before they left (an unsubscribe): Cancelled."""
	if lapses:
		_cancel(
			Attempt.lapse.isin(lapses) & (Attempt.channel == "Email") & (Attempt.to_address == email),
			reason,
			status="Sent",
		)


def _cancel(condition, reason: str, status: str = "Scheduled") -> None:
	(
		frappe.qb.update(Attempt)
		.set(Attempt.status, "Cancelled")
		.set(Attempt.skip_reason, reason[:140])
		.set(Attempt.modified, now_datetime())
		.where(condition)
		.where(Attempt.status == status)
	).run()


def in_progress(patient: str) -> list[str]:
	"""The patient's lapses that are still in a win-back (engine.lifecycle.IN_PROGRESS), for a move to end them."""
	return (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.patient == patient)
		.where(Lapse.status.isin(lc.IN_PROGRESS))
		.run(pluck=True)
	)


def book(lapses: list[str], appointment: str, when: datetime) -> list[str]:
	"""These lapses earned this booking: Booked, with the appointment; their remaining touches stop."""
	return move(
		lapses,
		lc.BOOKED,
		values={"booked_appointment": appointment, "booked_on": when},
		cancel_reason="Patient booked",
	)


def book_each(bookings: dict[str, tuple[str, datetime]]) -> list[str]:
	"""Several lapses, each with its own appointment: {lapse: (appointment, booked_on)}."""
	return move(
		list(bookings),
		lc.BOOKED,
		per_lapse={n: {"booked_appointment": a, "booked_on": w} for n, (a, w) in bookings.items()},
		cancel_reason="Patient booked",
	)


def reactivate(first_visit: dict[str, date]) -> list[str]:
	"""{lapse: the day of the patient's first real visit since it opened}."""
	return move(
		list(first_visit),
		lc.REACTIVATED,
		per_lapse={n: {"reactivated_on": d} for n, d in first_visit.items()},
		cancel_reason="Patient came back",
	)


def reply(lapses: list[str], values: dict | None = None) -> list[str]:
	"""The patient texted back and the cadence waits for a person: Replied, not yet handled. A lapse already
	Replied gets this reply's values too (its earlier reply may have been handled meanwhile)."""
	return move(lapses, lc.REPLIED, values={**(values or {}), "reply_handled": 0}, refresh=True)


def resume(lapses: list[str]) -> list[str]:
	"""A person answered the reply: the cadence carries on (only a lapse that was waiting on them moves)."""
	return move(
		lapses,
		lc.IN_CADENCE,
		values={"reply_handled": 1, "replied_on": None},
		only_from=(lc.REPLIED,),
	)


def exhaust(lapses: list[str], reason: str) -> list[str]:
	return move(lapses, lc.EXHAUSTED, values={"closed_reason": reason[:140]})


def opt_out(lapses: list[str], reason: str = "Patient opted out") -> list[str]:
	return move(lapses, lc.OPTED_OUT, values={"closed_reason": reason[:140]}, cancel_reason=reason)


def close(
	lapses: list[str],
	reason: str,
	*,
	values: dict | None = None,
	cancel_reason: str | None = None,
	only_from: tuple[str, ...] | None = None,
) -> list[str]:
	"""Closed with this reason (and any other values); the remaining touches stop with cancel_reason (default:
	the same reason). only_from: see move()."""
	return move(
		lapses,
		lc.CLOSED,
		values={**(values or {}), "closed_reason": reason[:140]},
		cancel_reason=cancel_reason or reason,
		only_from=only_from,
	)
