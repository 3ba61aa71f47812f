"""When lead work happens: at once from the document events, and every minute as the safety net.

Document events (integrations/erpnext/lead.py, call_log.py) take the record in the same transaction (the lead and
its planned texts are written with the ERPNext Lead or Call Log, or not at all) and queue send_now for after the
commit, on the short queue, one job per lead. The minute job (tasks.handle_leads) takes whatever the events
missed (a worker down, an import, a Call Log written with db.set_value), asks new patients' unconfirmed first
appointments to be confirmed, welcomes patients the front desk registered, sends everything due, and moves leads
on: booked (an appointment for their number), came (the first visit happened), resting (nothing back).
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from winback_app.compat import in_test
from winback_app.infra.errors import log_error
from winback_app.leads import intake, outcomes, send

QUEUE = "short"


def enqueue_send(lead: str) -> None:
	"""Send this lead's due texts right after the current transaction commits (one job per lead)."""
	frappe.enqueue(
		"winback_app.leads.run.send_now",
		queue=QUEUE,
		timeout=120,
		job_id=f"winback_lead_send::{lead}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=in_test(),
		lead=lead,
	)


def send_now(lead: str) -> dict:
	"""The queued job: everything due, this lead's texts among them. Under a burst the first job to run sends
	what every lead queued so far, and the jobs behind it find nothing due and stop after one read."""
	if not send.anything_due():
		return {}
	return send.send_due()


def handle_leads() -> dict:
	"""Every minute. Each step commits on its own, so one failing step never holds the others back."""
	now = now_datetime()
	done: dict[str, int] = {}
	steps = (
		("leads", lambda: sum(1 for lead in intake.untaken_leads(now) if _safely(intake.take_lead, lead))),
		(
			"missed_calls",
			lambda: sum(
				1 for call in intake.untaken_missed_calls(now) if _safely(intake.take_call_log, call)
			),
		),
		("confirmations", lambda: intake.unconfirmed_first_appointments(now)),
		("new_patients", lambda: intake.new_staff_patients(now)),
		("outcomes", lambda: outcomes.move_on(now)),
	)
	for name, step in steps:
		try:
			done[name] = step() or 0
			frappe.db.commit()
		except Exception as exc:
			frappe.db.rollback()
			log_error(f"Win-back leads: the minute job's {name} step failed", exc)
	for outcome, n in send.send_due().items():
		done[outcome] = n
	return done


def _safely(take, name: str) -> str | None:
	"""One record that cannot be taken is logged (by name only) and skipped; the rest go on."""
	frappe.db.savepoint("winback_lead_take")
	try:
		return take(name)
	except Exception as exc:
		frappe.db.rollback(save_point="winback_lead_take")
		log_error("Win-back leads: a record could not be taken", exc, name=name)
		return None
