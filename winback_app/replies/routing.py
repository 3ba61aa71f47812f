"""Replies that need a person reach the right one: a live alert at once, their ToDo from a short job, and the
five-minute safety net for any reply still without one.

Who the people are is staff.reply_readers(category) (Win-Back Settings > Reply routes: clinical and urgent texts
to clinical staff, billing to accounts, the rest to the front desk, with fallbacks); the reply records them
(routed_to, routed_via) so the ToDo, the reminders and an audit read the same names. A reply recorded before
it could be routed (acting on it failed) goes to the front desk. Urgent replies are marked so in the alert and
the ToDo. A routed user whose roles cannot read replies gets the one reply shared with them (read only). This
module only alerts, records and assigns.
"""

from __future__ import annotations

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder import DocType

from winback_app.compat import in_test
from winback_app.engine import routing
from winback_app.infra.errors import log_error
from winback_app.staff import front_desk_users, reply_readers

Reply = DocType("Win-Back SMS Reply")
ToDo = DocType("ToDo")
JOB = "winback_app.replies.routing.assign_waiting_replies"
BATCH = 500  # replies per pass
PASSES = 20  # per job: 10,000 replies; the five-minute task takes any rest


def route_to_person(reply, text: str, plan=None) -> None:
	"""A live alert to the reply's people now, and their ToDo through the host's assignment right after commit.

	The alert carries the first words as typed, which the desk escapes (it stays in the desk); the ToDo, which
	frappe e-mails to its assignees, names the category only. The assignment (ToDo, sharing, Notification Log, e-mail) is the slow part of a reply (~20 ms of ORM work):
	a short job queued when this request commits does it, so Twilio gets its answer at once and the front
	desk has the ToDo a moment later. The job assigns every reply still waiting, so a burst of replies costs
	one job start, not one per text; the every-five-minutes task runs it too, so a lost job loses nothing.
	"""
	category = getattr(plan, "category", None) or reply.get("category") or ""
	urgent = bool(getattr(plan, "urgent", False))
	found = reply_readers(category)
	users = list(found.users)
	(
		frappe.qb.update(Reply)
		.set(Reply.routed_to, "\n".join(users))
		.set(Reply.routed_via, routing.describe(found)[:140])
		.where(Reply.name == reply.name)
	).run()
	who = reply.patient_name or reply.patient or reply.from_number
	frappe.enqueue(
		JOB,
		queue="short",
		enqueue_after_commit=True,
		# one such job queued at a time: a burst of texts adds nothing while one waits to start
		job_id="winback_assign_waiting_replies",
		deduplicate=True,
		now=bool(in_test()),  # as the host's own notifications do: tests see the ToDo at once
	)
	for user in users:
		frappe.publish_realtime(
			"winback_reply",
			# as typed: the desk's alert escapes it (winback_desk.js); the stored body is already HTML
			{
				"reply": reply.name,
				"from": who,
				"preview": (text or "")[:120],
				"urgent": urgent,
				"category": category,
			},
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
	failed: set[str] = set()  # tried once in this run: the next run tries again
	try:
		with read_committed():  # no gap locks: texts arriving meanwhile insert their reply rows unhindered
			for _pass in range(PASSES):
				assigned = assign_batch(failed=failed)
				if not assigned:
					break
				total += assigned
				if not in_test():
					frappe.db.commit()  # the front desk sees this pass's ToDos while the next one runs
	except Exception as exc:
		# Never through frappe's job handler: its Error Log keeps the frame's locals (the texts, names and
		# numbers of the batch). Class and code path only; the five-minute task tries again.
		frappe.db.rollback()
		log_error("Win-back: replies could not be assigned", exc, doctype="Win-Back SMS Reply")
	return total


def assign_batch(limit: int = BATCH, failed: set[str] | None = None) -> int:
	"""One pass: every reply that needs a person, is not handled and has no ToDo yet, gets its ToDo. Returns
	how many did.

	Rows are taken with SKIP LOCKED, so two of these jobs running at once never assign the same reply twice.
	failed: replies that could not be assigned earlier in this run (skipped now; added to when one fails).
	"""
	failed = failed if failed is not None else set()
	waiting = (
		frappe.qb.from_(Reply)
		.select(Reply.name, Reply.category, Reply.routed_to, Reply.urgent)
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
		.where(Reply.name.notin(sorted(failed) or [""]))
		.orderby(Reply.received_on)
		.limit(limit)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	)
	if not waiting:
		return 0
	people = People()
	assigned = 0
	for reply in waiting:
		frappe.db.savepoint("winback_assign_reply")
		try:
			assign_one(reply, people)
			assigned += 1
		except Exception as exc:
			# One reply that cannot be assigned (a routed user deleted meanwhile, say) never holds up the others;
			# it stays waiting, and the next run tries again.
			frappe.db.rollback(save_point="winback_assign_reply")
			failed.add(reply.name)
			log_error(
				"Win-back: a reply could not be assigned", exc, doctype="Win-Back SMS Reply", name=reply.name
			)
	return assigned


class People:
	"""What one pass needs to know about staff, read once: the front desk, and who reads replies by role."""

	def __init__(self):
		self._desk: list[str] | None = None
		self._reads: dict[str, bool] = {}

	def desk(self) -> list[str]:
		if self._desk is None:
			self._desk = front_desk_users()
		return self._desk

	def reads_replies(self, user: str) -> bool:
		if user not in self._reads:
			self._reads[user] = reads_replies(user)
		return self._reads[user]


def assign_one(reply, people: People) -> None:
	"""The reply's ToDo for its routed people (the front desk for a reply recorded before it was routed)."""
	from frappe.desk.form.assign_to import add

	users = [u for u in (reply.routed_to or "").split() if u] or people.desk()
	for user in users:
		if not people.reads_replies(user):
			# Routed by role (a physician, accounts): they read this reply, and only this one.
			frappe.share.add_docshare(
				"Win-Back SMS Reply", reply.name, user, read=1, flags={"ignore_share_permission": True}
			)
	# The ToDo names no patient and quotes nothing they wrote: frappe e-mails a ToDo's description to its
	# assignees (and, when that mail fails, writes it into an Error Log with the job's variables). The reply it
	# links to holds the name and the words, behind the desk's permissions.
	category = _(reply.category) if reply.get("category") else _("Other")
	message = (
		_("Urgent: a patient's text needs an answer now ({0}).")
		if reply.urgent
		else _("A patient's text needs an answer ({0}).")
	)
	add(
		{
			"assign_to": users,
			"doctype": "Win-Back SMS Reply",
			"name": reply.name,
			"description": message.format(category),
			"date": frappe.utils.today(),
			"priority": "High",
		},
		ignore_permissions=True,
	)


def reads_replies(user: str) -> bool:
	"""Whether the user's roles read every reply. (frappe.has_permission without a document says yes as soon as
	one reply is shared with them, so it cannot tell a clinician who was shared one reply from an agent.)"""
	from frappe.permissions import get_role_permissions

	return bool(get_role_permissions(frappe.get_meta("Win-Back SMS Reply"), user=user).get("read"))
