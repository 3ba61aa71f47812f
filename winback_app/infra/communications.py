"""Communications written in bulk: what the dispatcher sends and what the inbox receives and answers.

A Communication (medium SMS or Email) on the patient's timeline is the host's own record of a message. Both
the dispatcher (a chunk of attempts) and the inbound webhook (the patient's text and our answer) write theirs
with one INSERT for the Communications and one for their timeline links, in the caller's transaction, instead
of a full document insert per message. They carry what the host's controller would set for a message that is
already sent or received: status Linked, the reference document, the content, and the Patient link that puts
it on the timeline.

A Message's content is plain text (a patient's SMS, a rendered template, a staff member's words). frappe's
Communication content is HTML, shown as such by the timeline, and a bulk INSERT skips frappe's sanitizer, so
write() stores the HTML *of the text*: escaped, newlines as <br>, formula-guarded (engine/untrusted). Subject,
number and addresses are the caller's own values (our subjects, normalized numbers, patients' addresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from winback_app.engine.untrusted import as_html, as_text, escape
from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS

COLUMNS = (
	*STANDARD_COLUMNS,
	"subject",
	"communication_medium",
	"communication_type",
	"status",
	"sent_or_received",
	"communication_date",
	"content",
	"phone_no",
	"recipients",
	"reference_doctype",
	"reference_name",
	"delivery_status",
	"seen",
	"text_content",
	"sender_full_name",
)
LINK_COLUMNS = (
	*STANDARD_COLUMNS,
	"parent",
	"parentfield",
	"parenttype",
	"idx",
	"link_doctype",
	"link_name",
	"link_title",
)


@dataclass(frozen=True)
class Message:
	"""One Communication to write. `patient` (with its title) puts it on that patient's timeline."""

	subject: str
	medium: str  # SMS | Email
	direction: str  # Sent | Received
	content: str  # plain text: stored escaped
	reference_doctype: str
	reference_name: str
	phone_no: str | None = None
	recipients: str | None = None
	delivery_status: str | None = None
	seen: int = 1
	patient: str | None = None
	patient_title: str | None = None
	name: str = ""
	# Who wrote it, as the timeline names them (a patient's name or number); None: the user who wrote the row.
	# Stored escaped: the desk's timeline template prints it as HTML.
	sender_name: str | None = None
	# Other documents whose timeline shows it too ((doctype, name), e.g. the appointment a text booked).
	also_on: tuple[tuple[str, str], ...] = ()


def new_name() -> str:
	"""A name as Communication's own autoname ("hash") would give it."""
	return frappe.generate_hash(length=10)


def write(messages: list[Message]) -> list[str]:
	"""Insert the Communications and their Patient timeline links; returns their names, in order."""
	if not messages:
		return []
	now, user = now_datetime(), frappe.session.user
	names = [m.name or new_name() for m in messages]
	# In the order given, a microsecond apart: a patient's text and our answer written in one request would
	# otherwise share one timestamp, and the timeline could show the answer first.
	stamps = [now + timedelta(microseconds=i) for i in range(len(messages))]
	bulk.insert(
		"Communication",
		COLUMNS,
		[
			(
				name,
				at,
				at,
				user,
				user,
				0,
				m.subject[:140],
				m.medium,
				"Communication",
				"Linked",
				m.direction,
				at,
				as_html(m.content),
				m.phone_no,
				m.recipients,
				m.reference_doctype,
				m.reference_name,
				m.delivery_status,
				m.seen,
				as_text(m.content),
				# Escaped to fit the column: a 117-character name of markup escapes to far more than 140.
				escape(m.sender_name, 140, quotes=True) if m.sender_name else None,
			)
			for name, m, at in zip(names, messages, stamps, strict=True)
		],
	)
	links = [
		(new_name(), now, now, user, user, 0, name, "timeline_links", "Communication", idx)
		+ (doctype, docname, title)
		for name, m in zip(names, messages, strict=True)
		for idx, (doctype, docname, title) in enumerate(
			[
				*([("Patient", m.patient, m.patient_title or m.patient)] if m.patient else []),
				*((doctype, docname, docname) for doctype, docname in m.also_on if docname),
			],
			start=1,
		)
	]
	if links:
		bulk.insert("Communication Link", LINK_COLUMNS, links)
	return names
