"""Scheduler entry points (wired in hooks.py). Each is a thin wrapper; the work lives in its own package."""

import frappe


def detect_lapses() -> dict:
	"""Run detection now, in this process. Running it twice in a row creates nothing new."""
	from winback_app.detection.run import detect

	# Progress goes to whoever started it (the desk's "Run detection now", or nobody for the nightly run).
	return detect(publish_progress=not frappe.flags.in_test)


def enqueue_detection() -> None:
	"""Nightly: detection on the long queue, once at a time."""
	frappe.enqueue(
		"winback_app.tasks.detect_lapses",
		queue="long",
		timeout=3600,
		job_id="winback_detect_lapses",
		deduplicate=True,
	)


def rescue_missed_appointments() -> dict:
	"""Every five minutes: an appointment 15-60 minutes past its start with no check-in opens a lapse."""
	from winback_app.detection import rescue

	return rescue.rescue_missed_appointments()


def poll_outcomes() -> dict:
	"""Bookings and visits the host recorded without doc events (db.set_value) and finished cadences."""
	from winback_app.lapses import outcomes

	return outcomes.poll_outcomes()


def dispatch_due() -> None:
	"""Every five minutes: queue one dispatcher run as its own job, with its own queue and timeout (see
	winback_app.sending.run), once at a time. `bench execute winback_app.sending.run.run_dispatch` runs one
	now, in the current process."""
	from winback_app.sending.run import enqueue_dispatch

	enqueue_dispatch()


def assign_waiting_replies() -> int:
	"""Safety net for the job each reply queues: any reply still waiting for a person gets its ToDo."""
	from winback_app.replies import routing

	return routing.assign_waiting_replies()


def remind_unanswered_replies() -> dict:
	"""Every fifteen minutes: replies still waiting for a person remind their assignee, then the managers."""
	from winback_app.replies.reminders import remind_unanswered_replies

	return remind_unanswered_replies()


def release_waiting_lapses() -> dict:
	"""Hourly: lapses waiting on the patient past the setting's days go back to their cadence or end."""
	from winback_app.lapses.waiting import release_waiting_lapses

	return release_waiting_lapses()
