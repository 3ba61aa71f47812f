"""What a recorded reply does: to its number (opt-out, opt-in, wrong number) and to its lapse.

on_number() runs while the text is recorded (a STOP must be committed with the text); apply_to_lapse() runs when
the webhook acts on it, and moves the lapse only through lapses.lifecycle. The decisions are the engine's plan
(engine/reply_plan.py); this module only writes them.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_days, cint, now_datetime

from winback_app.contacts.optouts import allow_number, block_number
from winback_app.engine import reply_plan
from winback_app.lapses import lifecycle
from winback_app.settings import get_settings


def on_number(plan: reply_plan.Plan, number: str, *, patient: str | None, words: str, communication: str) -> None:
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


def apply_to_lapse(lapse: str, plan: reply_plan.Plan) -> None:
	"""The reply's mark on its lapse: when it came, a snooze, a reason for leaving, a part-of-day offer; the
	status through the lifecycle (Replied when a person must answer, Closed when the patient is leaving)."""
	now = now_datetime()
	values: dict = {"replied_on": now}
	if plan.snooze:
		values["snoozed_until"] = add_days(now, cint(get_settings().snooze_days) or 30)
	if plan.leave_reason:
		values["leave_reason"] = plan.leave_reason
	if plan.answer == reply_plan.ANSWER_BOOKING_LINK:
		values["choices_offered_on"] = now
	if plan.close:
		reason = _("Patient replied: {0}").format(plan.leave_reason or _("wrong number"))
		lifecycle.close([lapse], reason, values=values, cancel_reason="Patient replied")
	elif plan.pause:
		lifecycle.reply([lapse], values)
	else:
		frappe.db.set_value("Patient Lapse", lapse, values)  # no change of status: a snooze, say
