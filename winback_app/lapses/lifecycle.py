"""The one writer of a Patient Lapse's status, and of the cancellation of its planned touches.

Every move goes through move(): it locks the lapses that may make the move (engine.lifecycle.sources_for),
writes the new status with any values that come with it, and, when the new status ends the episode, cancels
the touches not yet claimed. Set-based: one locking read, one UPDATE per shape of values, one UPDATE of
attempts, whatever the number of lapses. The rules themselves (statuses, sets, allowed moves) live in
winback_app.engine.lifecycle; this module decides nothing beyond asking it.
"""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from winback_app import bulk
from winback_app.engine import lifecycle as lc

Lapse = DocType("Patient Lapse")
Attempt = DocType("Win-Back Contact Attempt")


def move(
	lapses: list[str],
	to: str,
	*,
	values: dict | None = None,
	per_lapse: dict[str, dict] | None = None,
	cancel_reason: str | None = None,
) -> list[str]:
	"""Move each of these lapses to `to` where the lifecycle allows it; returns the lapses that moved.

	values: fields set on every moved lapse; per_lapse: fields that differ per lapse ({name: {field: value}}).
	A lapse already in `to`, or in a status that may not move there, is left as it is.
	"""
	if to not in lc.STATUSES:
		raise ValueError(f"Unknown lapse status {to!r}")
	names = sorted(set(lapses))
	if not names:
		return []
	movable = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.name.isin(names))
		.where(Lapse.status.isin(lc.sources_for(to)))
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
	if not lapses:
		return
	(
		frappe.qb.update(Attempt)
		.set(Attempt.status, "Cancelled")
		.set(Attempt.skip_reason, reason[:140])
		.set(Attempt.modified, now_datetime())
		.where(Attempt.lapse.isin(sorted(set(lapses))))
		.where(Attempt.status == "Scheduled")
	).run()


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


def exhaust(lapses: list[str], reason: str) -> list[str]:
	return move(lapses, lc.EXHAUSTED, values={"closed_reason": reason[:140]})


def opt_out(lapses: list[str], reason: str = "Patient opted out") -> list[str]:
	return move(lapses, lc.OPTED_OUT, values={"closed_reason": reason[:140]}, cancel_reason=reason)


def close(lapses: list[str], reason: str) -> list[str]:
	return move(lapses, lc.CLOSED, values={"closed_reason": reason[:140]}, cancel_reason=reason)
