"""No reply and no lapse left hanging (engine/waiting.py): reminder times and the release of stale pauses."""

from datetime import datetime, timedelta

from winback_app.engine import lifecycle as lc
from winback_app.engine import waiting
from winback_app.engine.waiting import ASSIGNEE, MANAGERS, reminders_due

NOW = datetime(2026, 11, 18, 15, 0)


def test_a_reply_reminds_its_assignee_then_the_managers():
	received = NOW - timedelta(hours=3, minutes=59)
	assert reminders_due(received, NOW, 4, reminded=False, escalated=False) == ()
	received = NOW - timedelta(hours=4)
	assert reminders_due(received, NOW, 4, reminded=False, escalated=False) == (ASSIGNEE,)
	assert reminders_due(received, NOW, 4, reminded=True, escalated=False) == ()
	received = NOW - timedelta(hours=8)
	assert reminders_due(received, NOW, 4, reminded=True, escalated=False) == (MANAGERS,)
	assert reminders_due(received, NOW, 4, reminded=False, escalated=False) == (ASSIGNEE, MANAGERS)
	assert reminders_due(received, NOW, 4, reminded=True, escalated=True) == ()


def test_reminders_default_and_off():
	assert waiting.reminder_cutoffs(NOW, None).assignee == NOW - timedelta(hours=4)
	assert waiting.reminder_cutoffs(NOW, None).managers == NOW - timedelta(hours=8)
	off = waiting.reminder_cutoffs(NOW, 0)
	assert (off.assignee, off.managers) == (None, None)
	assert reminders_due(NOW - timedelta(days=9), NOW, 0, reminded=False, escalated=False) == ()


def test_waited_hours():
	assert waiting.waited_hours(NOW - timedelta(hours=5, minutes=59), NOW) == 5
	assert waiting.waited_hours(NOW + timedelta(minutes=1), NOW) == 0


def test_release_cutoff_and_where_a_released_lapse_goes():
	assert waiting.release_cutoff(NOW, 7) == NOW - timedelta(days=7)
	assert waiting.release_cutoff(NOW, None) == NOW - timedelta(days=7)
	assert waiting.release_cutoff(NOW, 0) is None
	assert waiting.after_waiting(True) == lc.IN_CADENCE
	assert waiting.after_waiting(False) == lc.EXHAUSTED
	# both moves are allowed from Replied (the status a lapse waits in)
	assert lc.allowed(lc.REPLIED, lc.IN_CADENCE) and lc.allowed(lc.REPLIED, lc.EXHAUSTED)
