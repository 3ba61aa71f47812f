"""Replies that need a person reach one: the front desk's live alert at once, their ToDo from a short job, and
the five-minute safety net for any reply still without one.

Who the people are is staff.front_desk_users(); this module only alerts and assigns.
"""

from __future__ import annotations

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder import DocType

from winback_app.staff import front_desk_users

Reply = DocType("Win-Back SMS Reply")
ToDo = DocType("ToDo")
JOB = "winback_app.replies.routing.assign_waiting_replies"
BATCH = 500  # replies per pass
PASSES = 20  # per job: 10,000 replies; the five-minute task takes any rest


def route_to_person(reply, text: str) -> None:
	"""A live alert to the front desk now, and their ToDo through the host's assignment right after commit.

	The alert carries the first words as typed, which the desk escapes; the ToDo quotes the stored (escaped)
	body. The assignment (ToDo, sharing, Notification Log, e-mail) is the slow part of a reply (~20 ms of ORM work):
	a short job queued when this request commits does it, so Twilio gets its answer at once and the front
	desk has the ToDo a moment later. The job assigns every reply still waiting, so a burst of replies costs
	one job start, not one per text; the every-five-minutes task runs it too, so a lost job loses nothing.
	"""
	users = front_desk_users()
	who = reply.patient_name or reply.patient or reply.from_number
	frappe.enqueue(
		JOB,
		queue="short",
		enqueue_after_commit=True,
		# one such job queued at a time: a burst of texts adds nothing while one waits to start
		job_id="winback_assign_waiting_replies",
		deduplicate=True,
		now=bool(frappe.flags.in_test),  # as the host's own notifications do: tests see the ToDo at once
	)
	for user in users:
		frappe.publish_realtime(
			"winback_reply",
			# as typed: the desk's alert escapes it (winback_desk.js); the stored body is already HTML
			{"reply": reply.name, "from": who, "preview": (text or "")[:120]},
			user=user,
			after_commit=True,
		)


def assign_waiting_replies() -> int:
	"""The queued job and the five-minute task: passes until no reply is left waiting, committing after each
	pass. Returns how many replies got their ToDo.

	It looks again after every pass, so a text recorded while this job runs (whose own queueing was skipped
	because this job was still queued or running) is picked up here; the five-minute task is the last resort.
	"""
	from winback_app.infra.isolation import read_committed

	total = 0
	with read_committed():  # no gap locks: texts arriving meanwhile insert their reply rows unhindered
		for _pass in range(PASSES):
			assigned = assign_batch()
			if not assigned:
				break
			total += assigned
			if not frappe.flags.in_test:
				frappe.db.commit()  # the front desk sees this pass's ToDos while the next one runs
	return total


def assign_batch(limit: int = BATCH) -> int:
	"""One pass: every reply that needs a person, is not handled and has no ToDo yet, gets its ToDo.

	Rows are taken with SKIP LOCKED, so two of these jobs running at once never assign the same reply twice.
	"""
	from frappe.desk.form.assign_to import add

	waiting = (
		frappe.qb.from_(Reply)
		.select(Reply.name, Reply.patient_name, Reply.patient, Reply.from_number, Reply.body)
		.where(Reply.needs_person == 1)
		.where(Reply.handled == 0)
		.where(
			ExistsCriterion(
				frappe.qb.from_(ToDo)
				.select(ToDo.name)
				.where(ToDo.reference_type == "Win-Back SMS Reply")
				.where(ToDo.reference_name == Reply.name)
			).negate()
		)
		.orderby(Reply.received_on)
		.limit(limit)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)
	if not waiting:
		return 0
	users = front_desk_users()
	for reply in waiting:
		who = reply.patient_name or reply.patient or reply.from_number
		add(
			{
				"assign_to": users,
				"doctype": "Win-Back SMS Reply",
				"name": reply.name,
				"description": _("Text from {0} needs an answer: {1}").format(who, (reply.body or "")[:200]),
				"date": frappe.utils.today(),
				"priority": "High",
			},
			ignore_permissions=True,
		)
	return len(waiting)
