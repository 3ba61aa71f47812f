"""Re-entry with restraint, the read: each patient's finished win-backs of the nightly campaigns, for
engine.detection.restrained() (how many times a patient joined a campaign, and whether a recent cadence ended
unanswered).

One query per key range, limited like every detection read (reader.KeyRange). The nightly run combines what this
returns with the re-entry cooldown pairs it already reads:

	held_back = {pair: COOLDOWN for pair in reader.cooldowns(segments, today, key_range)}
	held_back.update(restraint.held_back(segments, today, key_range))
	arbitrate(segments, candidates, patients, held_back, today, cycle, policy)

Nothing here decides anything: the engine does.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import IfNull
from frappe.utils import getdate

from winback_app.detection.reader import EVERYONE, KeyRange
from winback_app.engine import lifecycle as lc
from winback_app.engine.detection import PastLapse, Restraint, restrained
from winback_app.engine.segments import SegmentSpec

Lapse = DocType("Patient Lapse")
EVENT_RULES = ("Missed Appointment",)  # never held back: a missed appointment is answered every time


def history(segments: list[str], key_range: KeyRange = EVERYONE) -> list[PastLapse]:
	"""The finished episodes of these campaigns, for the patients of the key range."""
	if not segments:
		return []
	query = (
		frappe.qb.from_(Lapse)
		.select(
			Lapse.patient,
			Lapse.segment,
			Lapse.status,
			IfNull(Lapse.closed_on, Lapse.detected_on),
			Lapse.holdout,
		)
		.where(Lapse.status.notin(lc.IN_PROGRESS))
		.where(Lapse.segment.isin(segments))
	)
	return [
		PastLapse(patient, segment, status, getdate(ended), bool(holdout))
		for patient, segment, status, ended, holdout in key_range.limit(query, Lapse.patient).run()
		if ended
	]


def held_back(
	segments: list[SegmentSpec],
	today: date,
	key_range: KeyRange = EVERYONE,
	rules: Restraint | None = None,
) -> dict[tuple[str, str], str]:
	"""{(patient, campaign): reason} for the nightly campaigns among `segments` under the restraint rules."""
	nightly = [s.name for s in segments if s.rule_kind not in EVENT_RULES]
	if not nightly:
		return {}
	return restrained(history(nightly, key_range), nightly, today, rules or Restraint())
