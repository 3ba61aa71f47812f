"""The Patient Lapse lifecycle: its statuses, the sets other modules ask about, and the moves allowed.

This is the one place the status names and their groupings live. winback_app/lapses/lifecycle.py is the one
module that changes a lapse's status (it moves only lapses in sources_for() the new status); detection's writer
sets the first status of a new lapse, and the Patient Lapse controller holds a manager's edit in the desk to
allowed(). Never performs I/O.

    Open ──► In Cadence ──► Replied ──► In Cadence (a person resumed it, or the patient's pause is over)
      │          │             │
      └──────────┴─────────────┴──► Booked ──► Reactivated
    Holdout (contacted by nobody) ──► Booked / Reactivated / Exhausted
    any open status ──► Opted Out | Exhausted | Closed           Exhausted ──► Booked (a late booking counts)
"""

from __future__ import annotations

OPEN = "Open"
HOLDOUT = "Holdout"
IN_CADENCE = "In Cadence"
REPLIED = "Replied"
BOOKED = "Booked"
REACTIVATED = "Reactivated"
OPTED_OUT = "Opted Out"
EXHAUSTED = "Exhausted"
CLOSED = "Closed"

STATUSES = (OPEN, HOLDOUT, IN_CADENCE, REPLIED, BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED)

# The cadence may still reach the patient (the dispatcher sends only for these).
ACTIVE = (OPEN, IN_CADENCE, REPLIED)
# The patient is in a win-back: detection puts nobody in a second one while any of these stands.
IN_PROGRESS = (*ACTIVE, HOLDOUT)
# In progress and waiting on nobody (a Replied lapse waits for a person): Exhausted once the cadence is over.
RUNNING = (OPEN, HOLDOUT, IN_CADENCE)
# An appointment made now counts for the lapse (an Exhausted cadence still earns a late booking).
BOOKABLE = (*IN_PROGRESS, EXHAUSTED)
# A real visit now counts as the patient coming back.
REACTIVATABLE = (*BOOKABLE, BOOKED)
# Finished episodes: never reopened (the patient joins again at a later detection).
FINAL = (BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED)
# Finished episodes that stop a cadence and carry a closed_on date.
ENDED = (OPTED_OUT, EXHAUSTED, CLOSED)

TRANSITIONS: dict[str, frozenset[str]] = {
	OPEN: frozenset({IN_CADENCE, REPLIED, BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED}),
	HOLDOUT: frozenset({BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED}),
	IN_CADENCE: frozenset({REPLIED, BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED}),
	REPLIED: frozenset({IN_CADENCE, BOOKED, REACTIVATED, OPTED_OUT, EXHAUSTED, CLOSED}),
	BOOKED: frozenset({REACTIVATED, CLOSED}),
	EXHAUSTED: frozenset({BOOKED, REACTIVATED}),
	REACTIVATED: frozenset(),
	OPTED_OUT: frozenset(),
	CLOSED: frozenset(),
}


def allowed(current: str | None, new: str) -> bool:
	"""Whether a lapse in `current` may move to `new` (staying put is always allowed)."""
	if new not in TRANSITIONS:
		return False
	if current == new:
		return True
	return new in TRANSITIONS.get(current or "", frozenset())


def sources_for(new: str) -> tuple[str, ...]:
	"""Every status a lapse may move to `new` from, in the order of STATUSES (for a set-based WHERE)."""
	return tuple(s for s in STATUSES if new in TRANSITIONS[s])


def stops_cadence(status: str) -> bool:
	"""Whether entering this status cancels the touches not yet sent."""
	return status in FINAL
