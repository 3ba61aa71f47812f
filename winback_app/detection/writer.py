"""The only writer of new Patient Lapses and their planned attempts: bulk inserts, no per-row documents.

Rows go through winback_app.infra.bulk (one placeholder per value, the statement built once per shape, the values
sent as parameters): frappe.db.bulk_insert wraps every value in a query-builder term, which cost detection at
100k patients ~28 s of Python for ~9 s of SQL.

Attempts planned later in a lapse's life (the nurture touch after a "not now", lapses/snooze.py) and the new due
times of the touches that follow a pause are written here too (plan_attempts, reschedule)."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.utils import now_datetime

from winback_app.engine import lifecycle as lc
from winback_app.engine.cadence import plan
from winback_app.engine.detection import Entry, PatientFacts
from winback_app.engine.segments import SegmentSpec
from winback_app.engine.untrusted import formula_guard
from winback_app.engine.window import SendWindow
from winback_app.infra import bulk, naming
from winback_app.infra.clock import to_db, to_utc
from winback_app.infra.naming import STANDARD_COLUMNS

LAPSE_FIELDS = [
	*STANDARD_COLUMNS,
	"idx",
	"patient",
	"patient_name",
	"segment",
	"status",
	"holdout",
	"cycle",
	"detected_on",
	"cadence_started_on",
	"company",
	"last_visit_date",
	"last_visit_source",
	"practitioner",
	"department",
	"reason",
	"evidence_doctype",
	"evidence_name",
	"mobile",
	"email",
	"time_zone",
	"reply_handled",
	"guardian",
]
ATTEMPT_FIELDS = [
	*STANDARD_COLUMNS,
	"idx",
	"lapse",
	"touch",
	"patient",
	"segment",
	"day_offset",
	"channel",
	"status",
	"due_at",
	"tries",
]


def insert_lapses(
	entries: list[Entry],
	patients: dict[str, PatientFacts],
	segments: dict[str, SegmentSpec],
	cycle: str,
	clinic_tz: str,
	window: SendWindow,
	now: datetime | None = None,
) -> list[str]:
	"""Insert one lapse per entry and plan the cadence of every non-holdout one. Returns the lapse names."""
	if not entries:
		return []
	now = now or now_datetime()
	user = frappe.session.user
	names = naming.reserve("WBL-", 5, len(entries))
	lapse_rows, attempt_rows = [], []
	for name, entry in zip(names, entries, strict=True):
		facts = patients[entry.patient]
		# A minor reached through a parent: the parent's number and email are the ones written to.
		reach = (
			next((g for g in facts.guardians if g.patient == entry.guardian), None)
			if entry.guardian
			else None
		)
		contact = reach or facts
		c = entry.candidate
		seg = segments[entry.segment]
		tz = facts.time_zone or contact.time_zone or clinic_tz
		planned = [] if entry.holdout else plan(seg.touches, to_utc(now), tz, window)
		lapse_rows.append(
			(
				name,
				now,
				now,
				user,
				user,
				0,
				0,
				entry.patient,
				# Anyone can type a patient's name (the host's registration form): never a spreadsheet formula.
				formula_guard(facts.patient_name),
				entry.segment,
				lc.HOLDOUT if entry.holdout else (lc.IN_CADENCE if planned else lc.OPEN),
				int(entry.holdout),
				cycle,
				now,
				to_db(planned[0].due_at) if planned else None,
				c.company,
				c.last_visit,
				c.evidence_doctype if c.last_visit and c.evidence_doctype in VISIT_DOCTYPES else None,
				c.practitioner,
				c.department,
				entry.reason,
				c.evidence_doctype or None,
				c.evidence_name or None,
				contact.mobile,
				contact.email,
				tz,
				0,
				reach.patient if reach else None,
			)
		)
		attempt_rows.extend((name, entry, p) for p in planned)

	bulk.insert("Patient Lapse", LAPSE_FIELDS, lapse_rows)
	attempt_names = naming.reserve("WBA-", 7, len(attempt_rows))
	bulk.insert(
		"Win-Back Contact Attempt",
		ATTEMPT_FIELDS,
		[
			(
				attempt_name,
				now,
				now,
				user,
				user,
				0,
				0,
				lapse,
				p.touch.name,
				entry.patient,
				entry.segment,
				p.touch.day_offset,
				p.touch.channel,
				"Scheduled",
				to_db(p.due_at),
				0,
			)
			for attempt_name, (lapse, entry, p) in zip(attempt_names, attempt_rows, strict=True)
		],
	)
	return names


def plan_attempts(rows: list[dict]) -> int:
	"""Insert planned attempts ({lapse, touch, patient, segment, day_offset, channel, due_at (aware)}), in one
	statement. A lapse that already has the touch keeps it (the unique key on lapse and touch: INSERT IGNORE)."""
	if not rows:
		return 0
	now, user = now_datetime(), frappe.session.user
	names = naming.reserve("WBA-", 7, len(rows))
	bulk.insert(
		"Win-Back Contact Attempt",
		ATTEMPT_FIELDS,
		[
			(
				name,
				now,
				now,
				user,
				user,
				0,
				0,
				row["lapse"],
				row["touch"],
				row["patient"],
				row["segment"],
				row["day_offset"],
				row["channel"],
				"Scheduled",
				to_db(row["due_at"]),
				0,
			)
			for name, row in zip(names, rows, strict=True)
		],
		ignore_duplicates=True,
	)
	return len(rows)


def reschedule(due: dict[str, datetime]) -> int:
	"""New due times (aware) for planned attempts that are still Scheduled: {attempt: due}. One statement."""
	if not due:
		return 0
	return bulk.update_dicts(
		"Win-Back Contact Attempt", {name: {"due_at": to_db(at)} for name, at in due.items()}
	)


VISIT_DOCTYPES = ("Patient Encounter", "Clinical Procedure", "Therapy Session", "Patient Appointment")
