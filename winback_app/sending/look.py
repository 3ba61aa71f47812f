"""The last look at a number's opt-out before a text leaves, read for the next few texts at once.

The dispatcher runs at READ COMMITTED, so a look sees an opt-out the webhook committed a moment before. A look
used to be one query per text, right before its provider call: with a fast provider that query was the
dispatcher's costliest statement in Twilio mode (0.34 ms of the 1.0 ms a text cost beyond the twilio client
itself, against a loopback Twilio). A NumberLook reads the opt-outs of the next LOOK_AHEAD numbers of the chunk
in one query, and a look is used for at most LOOK_MAX_AGE seconds: no text leaves on an opt-out list read
longer ago than that. At a real provider's pace (a call takes 100-300 ms) that is still about one look per text;
it is the fast path that shares them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import frappe
from frappe import _
from frappe.query_builder import DocType

OptOut = DocType("Win-Back SMS Opt-Out")

LOOK_AHEAD = 50  # numbers read together
LOOK_MAX_AGE = 0.2  # seconds a look may be used for


def block_reason(reason: str) -> str:
	"""What staff read on an attempt skipped for its number's opt-out row."""
	return (
		_("Number opted out of texts") if reason == "Opted Out" else _("Number flagged: {0}").format(reason)
	)


class NumberLook:
	"""The chunk's numbers in send order; reason(number) is the last look for that number's next text."""

	def __init__(self, numbers: Iterable[str], clock: Callable[[], float] = time.monotonic):
		self.order = list(dict.fromkeys(n for n in numbers if n))
		self.position = {n: i for i, n in enumerate(self.order)}
		self.clock = clock
		self.read_at = float("-inf")
		self.covered: set[str] = set()
		self.blocked: dict[str, str] = {}

	def reason(self, number: str) -> str | None:
		"""Why this number must not get a text now (shown to staff), or None."""
		if number not in self.covered or self.clock() - self.read_at > LOOK_MAX_AGE:
			self.read(number)
		found = self.blocked.get(number)
		return block_reason(found) if found else None

	def read(self, number: str) -> None:
		start = self.position.get(number)
		numbers = [number] if start is None else self.order[start : start + LOOK_AHEAD]
		self.read_at = self.clock()  # taken before the query: the look is never older than it says
		self.blocked = dict(
			frappe.qb.from_(OptOut)
			.select(OptOut.name, OptOut.reason)
			.where(OptOut.name.isin(numbers))
			.where(OptOut.active == 1)
			.run()
		)
		self.covered = set(numbers)
