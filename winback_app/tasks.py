"""Scheduler entry points (wired in hooks.py), and nothing else. Each is a thin wrapper that calls the function of
the same name in the package that does the work, so a hooks.py entry is one hop from its code:

tasks.detect_lapses               -> detection/run.py detect_lapses (queued by enqueue_detection)
tasks.rescue_missed_appointments  -> detection/rescue.py rescue_missed_appointments
tasks.poll_outcomes               -> lapses/outcomes.py poll_outcomes
tasks.release_waiting_lapses      -> lapses/waiting.py release_waiting_lapses
tasks.dispatch_due                -> sending/run.py dispatch_due (queues run_dispatch)
tasks.assign_waiting_replies      -> replies/routing.py assign_waiting_replies
tasks.remind_unanswered_replies   -> replies/reminders.py remind_unanswered_replies
tasks.handle_leads                -> leads/run.py handle_leads

The dotted paths tasks.* are public: frappe names each Scheduled Job Type after them.
"""

import frappe

from winback_app.compat import in_test


def detect_lapses() -> dict:
	"""Run detection now, in this process. Running it twice in a row creates nothing new."""
	from winback_app.detection import run

	# Progress goes to whoever started it (the desk's "Run detection now", or nobody for the nightly run).
	return run.detect_lapses(publish_progress=not in_test())


def enqueue_detection() -> None:
	"""Nightly: detection (tasks.detect_lapses) on the long queue, once at a time."""
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


def release_waiting_lapses() -> dict:
	"""Hourly: lapses waiting on the patient past the setting's days go back to their cadence or end."""
	from winback_app.lapses import waiting

	return waiting.release_waiting_lapses()


def dispatch_due() -> None:
	"""Every five minutes: queue one dispatcher run as its own job, with its own queue and timeout (see
	winback_app.sending.run), once at a time. `bench execute winback_app.sending.run.run_dispatch` runs one
	now, in the current process."""
	from winback_app.sending import run

	run.dispatch_due()


def assign_waiting_replies() -> int:
	"""Safety net for the job each reply queues: any reply still waiting for a person gets its ToDo."""
	from winback_app.replies import routing

	return routing.assign_waiting_replies()


def remind_unanswered_replies() -> dict:
	"""Every fifteen minutes: replies still waiting for a person remind their assignee, then the managers."""
	from winback_app.replies import reminders

	return reminders.remind_unanswered_replies()


def handle_leads() -> dict:
	"""Every minute: new-patient leads the document events missed, confirmations, outcomes, due texts."""
	from winback_app.leads import run

	return run.handle_leads()
