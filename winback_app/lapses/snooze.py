"""A patient's "not now": the lapse pauses until the date they named (or the campaign's days), then comes back.

pause() reads the lapse, its campaign's nurture settings and the touches still planned (locked), asks
engine.nurture.plan_snooze() for the pause's end, the nurture touch and the new due times, and writes them: the
lapse's snoozed_until (and, for a lapse that was waiting after a "yes", its return to the cadence) through
lapses.lifecycle, the nurture attempt and the moved touches through detection.writer. A "not now" is not a reply
that ends the cadence: replied_on is cleared, so touches marked "skip if replied" still go after the pause. A
second "not now" moves the nurture touch already planned instead of adding another. A handful of statements per
text; decides nothing itself.
"""

from __future__ import annotations

from datetime import date, datetime

import frappe
from frappe.query_builder import DocType
from frappe.utils import cint, getdate, now_datetime

from winback_app.detection import writer
from winback_app.engine import lifecycle as lc
from winback_app.engine.nurture import SnoozePlan, is_nurture_touch, plan_snooze
from winback_app.infra.clock import to_db, to_utc
from winback_app.lapses import lifecycle
from winback_app.segments import segment_spec
from winback_app.settings import clinic_time_zone, get_settings, send_window

Lapse = DocType("Patient Lapse")
Patient = DocType("Patient")
Attempt = DocType("Win-Back Contact Attempt")


def pause(
	lapse: str, named: date | None, *, now: datetime | None = None, time_zone: str | None = None
) -> SnoozePlan | None:
	"""Pause this lapse for a "not now" and plan what follows; None when the lapse is no longer active."""
	now = now or now_datetime()
	row = (
		frappe.qb.from_(Lapse)
		.join(Patient)
		.on(Patient.name == Lapse.patient)
		.select(
			Lapse.name,
			Lapse.status,
			Lapse.patient,
			Lapse.segment,
			Lapse.detected_on,
			Lapse.time_zone,
			Patient.winback_time_zone,
		)
		.where(Lapse.name == lapse)
		.run(as_dict=True)
	)
	if not row or row[0].status not in lc.ACTIVE:
		return None
	row = row[0]
	tz = time_zone or row.winback_time_zone or row.time_zone or clinic_time_zone()
	spec = segment_spec(frappe.get_cached_doc("Campaign Segment", row.segment)) if row.segment else None
	planned = (
		frappe.qb.from_(Attempt)
		.select(Attempt.name, Attempt.touch, Attempt.due_at)
		.where(Attempt.lapse == lapse)
		.where(Attempt.status == "Scheduled")
		.orderby(Attempt.name)
		.for_update()
		.run(as_dict=True)
	)
	earlier_nurture = next((a for a in planned if is_nurture_touch(a.touch)), None)
	cadence = [(a.name, to_utc(a.due_at)) for a in planned if not is_nurture_touch(a.touch)]
	nurture = bool(spec and spec.nurture_after_snooze)
	plan = plan_snooze(
		now=to_utc(now),
		time_zone=tz,
		window=send_window(),
		named=named,
		default_days=(spec.nurture_days if spec else 0) or cint(get_settings().snooze_days),
		nurture=nurture,
		planned=cadence,
	)
	lifecycle.move(
		[lapse],
		lc.IN_CADENCE,
		values={"snoozed_until": to_db(plan.until_at), "replied_on": None, "reply_handled": 1},
		refresh=True,
	)
	moved = dict(plan.moved)
	if plan.nurture_touch and earlier_nurture:
		moved[earlier_nurture.name] = plan.nurture_due
	elif plan.nurture_touch:
		writer.plan_attempts(
			[
				{
					"lapse": lapse,
					"touch": plan.nurture_touch,
					"patient": row.patient,
					"segment": row.segment,
					"day_offset": (plan.until - getdate(row.detected_on)).days + 1,
					"channel": "SMS",
					"due_at": plan.nurture_due,
				}
			]
		)
	writer.reschedule(moved)
	return plan
