"""Detection, end to end: read facts (set-based), let the engine decide, write lapses in bulk.

detect_lapses() is what winback_app.tasks.detect_lapses runs; preview() runs the same reading and deciding for one
campaign and writes nothing. Patients are read, decided and written in key ranges (reader.patient_ranges:
reader.PATIENT_RANGE patients at a time, by name): the number of queries per range depends on the number of
campaigns, never on the number of patients, and memory stays flat as a site grows. The engine decides each
patient on that patient's facts alone, so deciding range by range decides exactly what one pass over everyone
would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import frappe
from frappe.utils import cint, getdate

from winback_app.contacts import phones
from winback_app.detection import reader, restraint, writer
from winback_app.detection.pace import Pacer, outlook
from winback_app.engine.detection import COOLDOWN, Candidate, Detection, Restraint, arbitrate
from winback_app.engine.pacing import WAITING
from winback_app.engine.segments import SegmentSpec
from winback_app.segments import enabled_segment_specs, segment_spec
from winback_app.settings import clinic_time_zone, detection_policy, get_settings, send_window

EVENT_RULES = ("Missed Appointment",)  # opened by the rescue trigger, not by the nightly pass
# "Only for" filters that limit which plans count, not which visits (reader.last_visits never sees them).
PLAN_FILTERS = ("Therapy Plan Template", "Subscription Plan")


def cycle_of(day: date) -> str:
	return f"{day.year:04d}-{day.month:02d}"


def gather(
	segments: list[SegmentSpec], today: date, settings, key_range: reader.KeyRange = reader.EVERYONE
) -> tuple[dict[str, dict[str, Candidate]], dict[str, Candidate]]:
	"""Per campaign, the patients its rule found (with evidence); and each patient's last visit overall."""
	sources = reader.visit_sources(settings)
	last_any = reader.last_visits(sources, key_range=key_range)
	by_filters: dict[tuple, dict[str, Candidate]] = {(): last_any}
	candidates: dict[str, dict[str, Candidate]] = {}
	for seg in segments:
		kind = seg.rule_kind
		if kind in ("Recall Window", "Annual Check-in", "Med Spa Maintenance"):
			found: dict[str, Candidate] = {}
			if kind != "Med Spa Maintenance" or seg.filter_values("Clinical Procedure Template"):
				key = tuple(sorted(f for f in seg.filters if f[0] not in PLAN_FILTERS))
				if key not in by_filters:
					by_filters[key] = reader.last_visits(sources, key, key_range=key_range)
				found = by_filters[key]
			if kind == "Med Spa Maintenance" and seg.filter_values("Therapy Plan Template"):
				# A series paused mid-way: an unfinished therapy plan of the mapped templates, dated by its last visit.
				paused = reader.unfinished_therapy_plans(
					last_any, key_range, seg.filter_values("Therapy Plan Template")
				)
				found = latest_of(found, paused)
			candidates[seg.name] = found
		elif kind == "Unfinished Treatment":
			candidates[seg.name] = reader.unfinished_treatment(today, seg, key_range)
		elif kind == "Unfinished Therapy Plan":
			templates = seg.filter_values("Therapy Plan Template") or None
			candidates[seg.name] = reader.unfinished_therapy_plans(last_any, key_range, templates)
		elif kind == "New Patient Never Booked":
			# Each with the last visit it may have (a walk-in's): engine.detection leaves those out, with the reason.
			candidates[seg.name] = {
				p: dataclasses.replace(c, last_visit=last_any[p].event_date) if p in last_any else c
				for p, c in reader.never_booked(today, seg, key_range).items()
			}
		elif kind == "Lapsed Membership":
			candidates[seg.name] = reader.lapsed_memberships(today, seg, key_range)
		else:
			candidates[seg.name] = {}
	return candidates, last_any


def latest_of(*found: dict[str, Candidate]) -> dict[str, Candidate]:
	"""Per patient, the candidate with the latest event among several (a patient active lately is not lapsed)."""
	out: dict[str, Candidate] = {}
	for by_patient in found:
		for patient, c in by_patient.items():
			if patient not in out or c.event_date > out[patient].event_date:
				out[patient] = c
	return out


def restraint_rules(settings) -> Restraint:
	"""Win-Back Settings > Asking Again (the engine's defaults where a site has not saved them yet)."""
	default = Restraint()

	def number(field: str, fallback: int) -> int:
		value = settings.get(field)
		return fallback if value is None else max(0, cint(value))

	return Restraint(
		max_cycles=number("max_unanswered_cycles", default.max_cycles),
		after_exhausted_days=number("rest_after_unanswered_days", default.after_exhausted_days),
		chain_days=number("rest_from_other_campaigns_days", default.chain_days),
	)


def decide_ranges(
	segments: list[SegmentSpec], today: date, settings, size: int = reader.PATIENT_RANGE
) -> Iterator[tuple[Detection, dict, dict[str, Candidate]]]:
	"""(decisions, patients' facts, last visits) per key range of `size` patients, in name order."""
	site = reader.site_facts()
	policy = detection_policy(settings)
	cycle = cycle_of(today)
	rules = restraint_rules(settings)
	for key_range, rows in reader.patient_ranges(size):
		candidates, last_any = gather(segments, today, settings, key_range)
		patients = reader.patient_facts(today, key_range=key_range, rows=rows, site=site, policy=policy)
		# Held back: the campaign's own re-entry cooldown, and the restraint rules (a year's rest after an
		# unanswered cadence, a rest from the other campaigns, no more after a few unanswered cycles).
		held = {pair: COOLDOWN for pair in reader.cooldowns(segments, today, key_range)}
		held.update(restraint.held_back(segments, today, key_range, rules))
		yield arbitrate(segments, candidates, patients, held, today, cycle, policy), patients, last_any


def decide(
	segments: list[SegmentSpec], today: date, settings, size: int = reader.PATIENT_RANGE
) -> tuple[Detection, dict, dict[str, Candidate]]:
	"""Every range's decisions together (tests and benchmarks compare them whole; the jobs stream)."""
	detection, patients, last_any = Detection(), {}, {}
	for part, range_patients, range_last in decide_ranges(segments, today, settings, size):
		detection.entries.extend(part.entries)
		detection.exclusions.extend(part.exclusions)
		patients.update(range_patients)
		last_any.update(range_last)
	return detection, patients, last_any


def detect_lapses(today: date | None = None, publish_progress: bool = False) -> dict:
	"""Open a lapse for every newly lapsed patient in every enabled campaign. Safe to run again at once."""
	settings = get_settings()
	today = getdate(today) if today else getdate()
	segments = [s for s in enabled_segment_specs() if s.rule_kind not in EVENT_RULES]
	if not segments:
		return {"campaigns": 0, "created": 0, "holdout": 0, "excluded": {}}
	progress(publish_progress, 5, "Reading phone numbers")
	phones.sync_stale()
	progress(publish_progress, 30, "Reading visits and opening lapses")
	by_name, zone, window = {s.name: s for s in segments}, clinic_time_zone(), send_window()
	created, holdout, excluded = 0, 0, {}
	# Paced campaigns (Campaign Segment > Pace) take their day's quota, longest lapsed first, across every range.
	pacer = Pacer(segments, today)
	for detection, patients, last_any in decide_ranges(segments, today, settings):
		entries = pacer.take([with_last_visit(e, last_any) for e in detection.entries], patients)
		created += len(writer.insert_lapses(entries, patients, by_name, cycle_of(today), zone, window))
		holdout += sum(1 for e in entries if e.holdout)
		for reason, n in detection.reason_counts().items():
			excluded[reason] = excluded.get(reason, 0) + n
	paced = pacer.joining()
	created += len(writer.insert_lapses(paced, pacer.facts, by_name, cycle_of(today), zone, window))
	holdout += sum(1 for e in paced if e.holdout)
	if pacer.waiting():
		excluded[WAITING] = pacer.waiting()
	progress(publish_progress, 100, "Done")
	return {"campaigns": len(segments), "created": created, "holdout": holdout, "excluded": excluded}


def preview(segment_name: str, today: date | None = None, sample: int = 20) -> dict:
	"""Who would join this campaign today, and why the others would not. Writes nothing.

	The campaign is previewed as if enabled, competing with the enabled campaigns by priority.
	"""
	settings = get_settings()
	today = getdate(today) if today else getdate()
	target = segment_spec(frappe.get_doc("Campaign Segment", segment_name))
	target = dataclasses.replace(target, enabled=True)
	segments = [
		s for s in enabled_segment_specs() if s.name != target.name and s.rule_kind not in EVENT_RULES
	]
	if target.rule_kind in EVENT_RULES:
		return {
			"joining": 0,
			"holdout": 0,
			"sample": [],
			"excluded": {},
			"excluded_sample": [],
			"event_driven": True,
		}
	phones.sync_stale()
	joining, holdout, excluded, joining_sample, excluded_sample = 0, 0, {}, [], []
	eligible, pacer = 0, Pacer([target], today)

	def join(entries, patients):
		nonlocal joining, holdout
		for e in entries:
			joining += 1
			holdout += e.holdout
			if len(joining_sample) < sample:
				joining_sample.append(
					{
						"patient": e.patient,
						"patient_name": patients[e.patient].patient_name,
						"reason": e.reason,
						"holdout": e.holdout,
					}
				)

	for detection, patients, _last in decide_ranges([*segments, target], today, settings):
		mine = [e for e in detection.entries if e.segment == target.name]
		eligible += len(mine)
		join(pacer.take(mine, patients), patients)
		for x in detection.exclusions:
			if x.segment != target.name:
				continue
			excluded[x.reason] = excluded.get(x.reason, 0) + 1
			if len(excluded_sample) < sample:
				excluded_sample.append(
					{
						"patient": x.patient,
						"patient_name": patients[x.patient].patient_name,
						"reason": x.reason,
					}
				)
	join(pacer.joining(), pacer.facts)
	if pacer.waiting():
		excluded[WAITING] = pacer.waiting()
		for e, name in pacer.waiting_sample[: max(0, sample - len(excluded_sample))]:
			excluded_sample.append({"patient": e.patient, "patient_name": name, "reason": WAITING})
	return {
		"joining": joining,
		"holdout": holdout,
		"sample": joining_sample,
		"excluded": excluded,
		"excluded_sample": excluded_sample,
		"pace": outlook(target, today, eligible),
	}


def with_last_visit(entry, last_any: dict[str, Candidate]):
	visit = last_any.get(entry.patient)
	c = entry.candidate
	if visit is None:
		return entry
	return dataclasses.replace(
		entry,
		candidate=dataclasses.replace(
			c,
			last_visit=visit.event_date,
			practitioner=c.practitioner or visit.practitioner,
			department=c.department or visit.department,
			company=c.company or visit.company,
		),
	)


def progress(enabled: bool, percent: int, description: str) -> None:
	if enabled:
		frappe.publish_progress(percent, title="Win-back detection", description=description)
