"""The one writer of a Win-Back Lead's status (engine/leads.py names the statuses), and of its planned texts'
cancellation when the lead moves on. Set-based: each transition is one UPDATE guarded by the statuses it may
leave, so a late event never moves a lead backwards (a booked lead is never "answered" again)."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce

from winback_app.engine import leads as rules

WLead = DocType("Win-Back Lead")
WText = DocType("Win-Back Lead Text")


def answered(leads: list[str], when: datetime) -> None:
	"""Our first text (or call task) left: New -> Answered, and the time of the first answer is kept."""
	if not leads:
		return
	frappe.qb.update(WLead).set(WLead.answered_on, Coalesce(WLead.answered_on, when)).where(
		WLead.name.isin(leads)
	).run()
	frappe.qb.update(WLead).set(WLead.status, rules.ANSWERED).where(WLead.name.isin(leads)).where(
		WLead.status == rules.NEW
	).run()


def replied(lead: str, when: datetime) -> None:
	"""They wrote back: the conversation has them, so whatever is still planned is cancelled (a first text not sent
	yet included: they wrote before the window opened)."""
	frappe.qb.update(WLead).set(WLead.status, rules.TALKING).set(WLead.last_reply_on, when).where(
		WLead.name == lead
	).where(WLead.status.isin((rules.NEW, rules.ANSWERED, rules.RESTING))).run()
	# The webhook answers their text at once (times, a question, or "someone will text you"): if they wrote
	# before our first text left, that answer is the first one.
	frappe.qb.update(WLead).set(WLead.last_reply_on, when).set(
		WLead.answered_on, Coalesce(WLead.answered_on, when)
	).where(WLead.name == lead).run()
	cancel_texts([lead], "They replied")


def booked(lead: str, *, appointment: str, patient: str, when: datetime) -> None:
	"""An appointment exists for them: every text still planned is cancelled."""
	frappe.qb.update(WLead).set(WLead.status, rules.BOOKED).set(WLead.appointment, appointment).set(
		WLead.patient, patient
	).set(WLead.booked_on, Coalesce(WLead.booked_on, when)).where(WLead.name == lead).where(
		WLead.status.isin((*rules.OPEN, rules.RESTING))
	).run()
	cancel_texts([lead], "Booked")


def confirmed(lead: str, when: datetime) -> None:
	"""Their first appointment is confirmed (they replied C)."""
	frappe.qb.update(WLead).set(WLead.status, rules.BOOKED).set(WLead.last_reply_on, when).set(
		WLead.booked_on, Coalesce(WLead.booked_on, when)
	).where(WLead.name == lead).where(WLead.status.isin((*rules.OPEN, rules.RESTING))).run()
	cancel_texts([lead], "Confirmed")


def came(visits: dict[str, object]) -> None:
	"""{lead: visit date}: the first visit happened."""
	for lead, day in visits.items():
		frappe.qb.update(WLead).set(WLead.status, rules.CAME).set(WLead.came_on, day).where(
			WLead.name == lead
		).where(WLead.status != rules.CLOSED).run()


def rest(leads: list[str]) -> None:
	"""Nothing back after the follow-ups: they rest (a later call or text reopens them)."""
	if leads:
		frappe.qb.update(WLead).set(WLead.status, rules.RESTING).where(WLead.name.isin(leads)).where(
			WLead.status.isin((rules.NEW, rules.ANSWERED))
		).run()


def reopen(lead: str) -> None:
	"""A resting lead called or wrote again."""
	frappe.qb.update(WLead).set(WLead.status, rules.ANSWERED).where(WLead.name == lead).where(
		WLead.status == rules.RESTING
	).run()


def close(leads: list[str], why: str) -> None:
	"""Opted out, a wrong number, or closed by staff: nothing more is sent."""
	if leads:
		frappe.qb.update(WLead).set(WLead.status, rules.CLOSED).where(WLead.name.isin(leads)).where(
			WLead.status.isin((*rules.OPEN, rules.RESTING))
		).run()
		cancel_texts(leads, why)


def cancel_texts(leads: list[str], why: str, steps: tuple[str, ...] | None = None) -> None:
	query = (
		frappe.qb.update(WText)
		.set(WText.status, "Cancelled")
		.set(WText.skip_reason, why[:140])
		.where(WText.lead_record.isin(leads))
		.where(WText.status == "Scheduled")
	)
	if steps:
		query = query.where(WText.step.isin(steps))
	query.run()
