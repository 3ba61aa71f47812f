"""Campaign Segment documents as engine specs: the one place that maps desk fields onto SegmentSpec."""

from __future__ import annotations

import frappe
from frappe.utils import cint, flt

from winback_app.engine.nurture import DEFAULT_NURTURE_DAYS, DEFAULT_NURTURE_TEMPLATE
from winback_app.engine.pacing import Pace
from winback_app.engine.segments import SegmentSpec, TouchSpec, TouchWords
from winback_app.engine.window import parse_time


def segment_spec(doc) -> SegmentSpec:
	words = variants_by_step(doc)
	return SegmentSpec(
		name=doc.name or doc.segment_name,
		rule_kind=doc.rule_kind,
		priority=cint(doc.priority),
		enabled=bool(cint(doc.enabled)),
		min_days=None if doc.min_days in (None, "") else cint(doc.min_days),
		max_days=cint(doc.max_days) or None,
		holdout_percent=flt(doc.holdout_percent),
		reentry_cooldown_days=cint(doc.reentry_cooldown_days),
		allow_clinical_detail=bool(cint(doc.allow_clinical_detail)),
		fall_back_to_email=bool(cint(doc.fall_back_to_email)),
		filters=tuple((f.filter_doctype, f.value) for f in doc.get("filters") or ()),
		touches=tuple(
			TouchSpec(
				day_offset=cint(t.day_offset),
				channel=t.channel,
				template=t.template or "",
				email_subject=t.email_subject or "",
				skip_if_replied=bool(cint(t.skip_if_replied)),
				name=t.name or "",
				send_at=parse_time(t.send_at) if t.get("send_at") not in (None, "") else None,
				variants=words.get((cint(t.day_offset), t.channel), ()),
			)
			for t in doc.get("touches") or ()
		),
		# A campaign saved before these fields existed reads the defaults (nurture on, 30 days, the default text).
		nurture_after_snooze=_checked(doc.get("nurture_after_snooze"), default=True),
		nurture_days=DEFAULT_NURTURE_DAYS
		if doc.get("nurture_days") in (None, "")
		else cint(doc.get("nurture_days")),
		nurture_template=(doc.get("nurture_template") or "").strip() or DEFAULT_NURTURE_TEMPLATE,
		pace=pace_of(doc),
	)


# Campaign Segment > Pace > "Takes new patients on", Monday first (Python's weekday order).
INTAKE_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def pace_of(doc) -> Pace:
	"""The campaign's pace. A document without the day fields (saved before they existed) takes patients every
	day, and one without a horizon counts free slots over 14 days."""
	days = frozenset(i for i, day in enumerate(INTAKE_DAYS) if cint(doc.get(f"intake_{day}")))
	horizon = doc.get("pace_horizon_days")
	return Pace(
		intake_weekdays=frozenset() if len(days) == 7 else days,
		daily_cap=cint(doc.get("daily_intake_cap")),
		slots_per_patient=flt(doc.get("pace_slots_per_patient")),
		horizon_days=14 if horizon in (None, "") else cint(horizon),
	)


def variants_by_step(doc) -> dict[tuple[int, str], tuple[TouchWords, ...]]:
	"""{(day, channel): the step's words in other languages} from the "Messages in other languages" table."""
	out: dict[tuple[int, str], list[TouchWords]] = {}
	for row in doc.get("translations") or ():
		if not row.language or not (row.template or "").strip():
			continue
		out.setdefault((cint(row.day_offset), row.channel), []).append(
			TouchWords(row.language, row.template or "", row.email_subject or "")
		)
	return {key: tuple(value) for key, value in out.items()}


def _checked(value, default: bool) -> bool:
	return default if value is None else bool(cint(value))


def enabled_segment_specs() -> list[SegmentSpec]:
	"""Every enabled campaign, highest priority first. A handful of documents: read once per job."""
	names = frappe.get_all(
		"Campaign Segment", filters={"enabled": 1}, order_by="priority asc, name asc", pluck="name"
	)
	return [segment_spec(frappe.get_cached_doc("Campaign Segment", name)) for name in names]
