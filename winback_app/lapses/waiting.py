"""No pause lasts forever: a lapse waiting on the patient is released after Settings > waiting_on_patient_days.

A lapse waits on the patient when it is Replied (the patient said yes or chose a time, and got the booking link
or free times) and nothing of it waits for a person (no reply of it needs a person and is unhandled). When the
patient's last text is older than the setting, the lapse goes back to its cadence if touches are still planned,
or ends Exhausted when nothing is left to send, so a stale pause never shuts the patient out of later campaigns.
A lapse waiting on a person is left alone: its reply reminds people instead (replies/reminders.py).

The scheduled job (tasks.release_waiting_lapses) is set-based: one read of the stale lapses, one read of which
of them still have planned touches, and the moves through lapses.lifecycle (the only writer of a lapse's
status). When to release and where to go is decided in engine/waiting.py.
"""

from __future__ import annotations

from datetime import datetime

from pypika.terms import ExistsCriterion

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import cint, now_datetime

from winback_app.engine import lifecycle as lc
from winback_app.engine import waiting
from winback_app.lapses import lifecycle

Lapse = DocType("Patient Lapse")
Reply = DocType("Win-Back SMS Reply")
Attempt = DocType("Win-Back Contact Attempt")


def release_waiting_lapses(now: datetime | None = None) -> dict:
	"""Release every stale pause. Returns {"resumed": n, "exhausted": n}."""
	from winback_app.settings import get_settings

	now = now or now_datetime()
	days_setting = get_settings().get("waiting_on_patient_days")
	cutoff = waiting.release_cutoff(now, None if days_setting in (None, "") else cint(days_setting))
	if cutoff is None:
		return {"resumed": 0, "exhausted": 0}
	waits_for_person = ExistsCriterion(
		frappe.qb.from_(Reply)
		.select(Reply.name)
		.where(Reply.lapse == Lapse.name)
		.where(Reply.needs_person == 1)
		.where(Reply.handled == 0)
	)
	stale = (
		frappe.qb.from_(Lapse)
		.select(Lapse.name)
		.where(Lapse.status == lc.REPLIED)
		.where(Coalesce(Lapse.replied_on, Lapse.choices_offered_on, Lapse.modified) <= cutoff)
		.where(Coalesce(Lapse.choices_offered_on, Lapse.replied_on, Lapse.modified) <= cutoff)
		.where(waits_for_person.negate())
		.run(pluck=True)
	)
	if not stale:
		return {"resumed": 0, "exhausted": 0}
	planned = set(
		frappe.qb.from_(Attempt)
		.select(Attempt.lapse)
		.distinct()
		.where(Attempt.lapse.isin(stale))
		.where(Attempt.status == "Scheduled")
		.run(pluck=True)
	)
	to_cadence = [n for n in stale if waiting.after_waiting(n in planned) == lc.IN_CADENCE]
	to_end = [n for n in stale if waiting.after_waiting(n in planned) == lc.EXHAUSTED]
	# Back to the cadence as a person's "resume" would (lifecycle.resume): the touches still planned go out.
	resumed = lifecycle.move(to_cadence, lc.IN_CADENCE, values={"reply_handled": 1, "replied_on": None})
	exhausted = lifecycle.exhaust(to_end, waiting.RELEASE_REASON)
	return {"resumed": len(resumed), "exhausted": len(exhausted)}
