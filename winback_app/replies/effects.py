"""What a recorded reply does: to its number (opt-out, opt-in, wrong number) and to its lapse.

on_number() runs while the text is recorded (a STOP must be committed with the text); apply_to_lapse() runs when
the webhook acts on it, and moves the lapse only through lapses.lifecycle. The decisions are the engine's plan
(engine/reply_plan.py); this module only writes them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from winback_app.contacts.optouts import allow_number, block_number
from winback_app.engine import reply_plan
from winback_app.lapses import lifecycle


def on_number(
	plan: reply_plan.Plan, number: str, *, patient: str | None, words: str, communication: str
) -> None:
	"""STOP opts the number out, a wrong number flags it (one call either way), START lets texts through again."""
	if plan.opt_out or plan.flag_wrong_number:
		block_number(
			number,
			"Opted Out" if plan.opt_out else "Wrong Number",
			source="Reply",
			patient=patient,
			words=words,
			communication=communication,
		)
	if plan.opt_in:
		allow_number(number, source="Reply")


def apply_to_lapse(lapse: str, plan: reply_plan.Plan, *, time_zone: str | None = None) -> None:
	"""The reply's mark on its lapse: when it came, a reason for leaving, a part-of-day offer; the status through
	the lifecycle (Replied when a person must answer or the patient has a link to book with, Closed when the
	patient is leaving). A "not now" pauses the lapse and plans what follows (lapses/snooze.py); it and an
	automatic FAQ answer leave replied_on alone, so the touches marked "skip if replied" still go."""
	now = now_datetime()
	if plan.snooze:
		from winback_app.lapses import snooze

		snooze.pause(lapse, plan.snooze_until, now=now, time_zone=time_zone)
		return
	values: dict = {"replied_on": now} if plan.counts_as_reply else {}
	if plan.leave_reason:
		values["leave_reason"] = plan.leave_reason
	if plan.offers_choices:
		values["choices_offered_on"] = now
	if plan.close:
		reason = _("Patient replied: {0}").format(plan.leave_reason or _("wrong number"))
		lifecycle.close([lapse], reason, values=values, cancel_reason="Patient replied")
	elif plan.pause:
		lifecycle.reply([lapse], values)
	elif values:
		frappe.db.set_value("Patient Lapse", lapse, values)  # no change of status: HELP, say
