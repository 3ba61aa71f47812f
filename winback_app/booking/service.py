"""One-tap booking: find the lapse behind a link, offer real free slots, book one under a lock.

Everything a visitor can get wrong (unknown, guessed, expired or used link; a slot taken meanwhile; clinic
settings that refuse the booking) ends in a BookingProblem with a message fit for the patient; the real error,
where there is one, goes to the Error Log for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint, get_datetime, getdate, now_datetime

from winback_app.booking import reader
from winback_app.compat import RETRYABLE, FirstNumberTaken, first_number_taken
from winback_app.engine import lifecycle as lc
from winback_app.engine.slots import FreeSlot, filter_part_of_day, free_slots
from winback_app.engine.tokens import looks_like_token, token_hash
from winback_app.engine.untrusted import display_first_name
from winback_app.infra.errors import log_error
from winback_app.settings import get_settings

Lapse = DocType("Patient Lapse")


class BookingProblem(Exception):
	"""Something the patient should read (kind: link, taken, clinic)."""

	def __init__(self, kind: str, message: str):
		super().__init__(message)
		self.kind = kind
		self.message = message


@dataclass
class BookingLapse:
	name: str
	patient: str
	first_name: str
	practitioner: str | None
	department: str | None
	company: str | None


def lapse_for_token(token: str | None) -> BookingLapse:
	"""The open lapse behind a link. Unknown, guessed, expired and used links all fail the same way."""
	unusable = BookingProblem("link", _("This booking link can no longer be used."))
	if not looks_like_token(token):
		raise unusable
	rows = (
		frappe.qb.from_(Lapse)
		.select(
			Lapse.name,
			Lapse.patient,
			Lapse.status,
			Lapse.booking_token_expires,
			Lapse.practitioner,
			Lapse.department,
			Lapse.company,
		)
		.where(Lapse.booking_token_hash == token_hash(token))
		.limit(1)
		.run(as_dict=True)
	)
	if not rows:
		raise unusable
	row = rows[0]
	if (
		row.status not in lc.BOOKABLE
		or not row.booking_token_expires
		or get_datetime(row.booking_token_expires) < now_datetime()
	):
		raise unusable
	first_name = display_first_name(frappe.db.get_value("Patient", row.patient, "first_name"))
	return BookingLapse(row.name, row.patient, first_name, row.practitioner, row.department, row.company)


def appointment_type_for(lapse: BookingLapse) -> tuple[str | None, int]:
	settings = get_settings()
	kind = settings.booking_appointment_type
	if not kind:
		Appointment = DocType("Patient Appointment")
		last = (
			frappe.qb.from_(Appointment)
			.select(Appointment.appointment_type)
			.where(Appointment.patient == lapse.patient)
			.where(Appointment.appointment_type.isnotnull())
			.orderby(Appointment.appointment_date, order=frappe.qb.desc)
			.limit(1)
			.run(pluck=True)
		)
		kind = last[0] if last else None
	minutes = cint(frappe.db.get_value("Appointment Type", kind, "default_duration")) if kind else 0
	return kind, minutes or 30


def offer(
	lapse: BookingLapse, part: str | None = None, now: datetime | None = None, current: bool = False
) -> list[FreeSlot]:
	settings = get_settings()
	now = now or now_datetime()
	_kind, minutes = appointment_type_for(lapse)
	practitioners = reader.practitioners_for(lapse.practitioner, lapse.department)
	start = getdate(now)
	days = cint(settings.booking_horizon_days) or 14
	end = start + timedelta(days=days)
	blocks = reader.schedule_blocks(practitioners, minutes)
	units = sorted({b.service_unit for b in blocks if b.service_unit})
	slots = free_slots(
		blocks,
		reader.booked(practitioners, units, start, end, current=current),
		start_day=start,
		days=days,
		now=now,
		lead=timedelta(hours=cint(settings.booking_lead_hours)),
		closed_days=reader.closed_days(practitioners, lapse.company or default_company(), start, end),
	)
	slots = [s for s in slots if not s.check_in]
	return filter_part_of_day(slots, part) if part else slots


def free_slot_count(
	practitioners: list[str], start: date, days: int, now: datetime | None = None
) -> int | None:
	"""How many more appointments these practitioners can take on days start .. start + days - 1: the free slots
	offer() would compute for them (the clinic's online appointment type's length, holidays and leave, booked
	appointments), each counted by its seats left. None when none of them has a schedule (capacity unknown). A
	handful of queries for any number of practitioners and days."""
	if not practitioners or days <= 0:
		return None
	settings = get_settings()
	kind = settings.booking_appointment_type
	minutes = cint(frappe.db.get_value("Appointment Type", kind, "default_duration")) if kind else 0
	blocks = reader.schedule_blocks(practitioners, minutes or 30)
	if not blocks:
		return None
	end = start + timedelta(days=days)
	units = sorted({b.service_unit for b in blocks if b.service_unit})
	slots = free_slots(
		blocks,
		reader.booked(practitioners, units, start, end),
		start_day=start,
		days=days,
		now=now or now_datetime(),
		lead=timedelta(hours=cint(settings.booking_lead_hours)),
		closed_days=reader.closed_days(practitioners, default_company(), start, end),
	)
	return sum(slot.seats_left for slot in slots)


def default_company() -> str | None:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")


def book(token: str, practitioner: str, start: datetime, service_unit: str | None = None) -> str:
	"""The booking page's booking: the lapse behind the link, then book_for_lapse(). Returns the appointment name."""
	return book_for_lapse(lapse_for_token(token), practitioner, start, service_unit, by_text=False)


def book_retrying(token: str, practitioner: str, start: datetime, service_unit: str | None = None) -> str:
	"""book() for a request of its own (the booking page): when the database gives up the transaction (a
	deadlock, or on MariaDB 11.8's snapshot isolation a time another booking changed under this one; see
	winback_app.compat), the whole request's transaction is rolled back and the booking tried once more on a
	fresh snapshot, where the other booking is seen and the time is taken. The caller commits."""
	for attempt in range(2):
		try:
			return book(token, practitioner, start, service_unit)
		except RETRYABLE:
			frappe.db.rollback()
			if attempt:
				raise BookingProblem(
					"taken", _("Someone just took that time. Please choose another.")
				) from None
	raise AssertionError("unreachable")


def lapse_by_name(name: str | None) -> BookingLapse:
	"""The open lapse a text conversation is about, as lapse_for_token() gives it for a link."""
	unusable = BookingProblem("link", _("This booking can no longer be made by text."))
	if not name:
		raise unusable
	row = frappe.db.get_value(
		"Patient Lapse",
		name,
		["name", "patient", "status", "practitioner", "department", "company"],
		as_dict=True,
	)
	if not row or row.status not in lc.BOOKABLE:
		raise unusable
	first_name = display_first_name(frappe.db.get_value("Patient", row.patient, "first_name"))
	return BookingLapse(row.name, row.patient, first_name, row.practitioner, row.department, row.company)


def book_for_lapse(
	lapse: BookingLapse,
	practitioner: str,
	start: datetime,
	service_unit: str | None = None,
	*,
	by_text: bool,
) -> str:
	"""Create the Patient Appointment for this slot, or raise BookingProblem. Returns the appointment name.

	The one booking path for the page and for texts: the same locks, the same re-check against the current free
	times, the same Patient Appointment, the same Booked transition (the appointment's own hooks) and the same
	front-desk alert, so the page and a text can never disagree about a time."""
	if practitioner not in reader.practitioners_for(lapse.practitioner, lapse.department):
		raise BookingProblem("taken", _("That time is no longer available."))
	# Bookings of one practitioner (and one room) are serialized: the second of two simultaneous requests
	# waits here, then sees the first one's appointment and is offered other times.
	Practitioner = DocType("Healthcare Practitioner")
	frappe.qb.from_(Practitioner).select(Practitioner.name).where(
		Practitioner.name == practitioner
	).for_update().run()
	if service_unit:
		Unit = DocType("Healthcare Service Unit")
		frappe.qb.from_(Unit).select(Unit.name).where(Unit.name == service_unit).for_update().run()
	# A new-patient lead books with no lapse (name None): leads/talk.py holds the lead's own lock instead.
	if lapse.name:
		status = (
			frappe.qb.from_(Lapse)
			.select(Lapse.status)
			.where(Lapse.name == lapse.name)
			.for_update()
			.run(pluck=True)
		)
		if (
			not status or status[0] not in lc.BOOKABLE
		):  # a second tab (or person) booked with this link just now
			raise BookingProblem("link", _("This booking link can no longer be used."))
	match = next(
		(
			s
			for s in offer(lapse, current=True)
			if s.practitioner == practitioner
			and s.start == start
			and (s.service_unit or None) == (service_unit or None)
		),
		None,
	)
	if match is None:
		raise BookingProblem("taken", _("Someone just took that time. Please choose another."))
	kind, _minutes = appointment_type_for(lapse)
	if not kind:
		log_error(
			"Win-back booking: no appointment type (set one for online bookings in Win-Back Settings)",
			doctype="Patient Lapse",
			name=lapse.name,
		)
		raise BookingProblem("clinic", _("We couldn't book this online."))
	try:
		appointment = frappe.get_doc(
			{
				"doctype": "Patient Appointment",
				"patient": lapse.patient,
				"appointment_type": kind,
				"appointment_for": "Practitioner",
				"practitioner": practitioner,
				"department": frappe.db.get_value("Healthcare Practitioner", practitioner, "department")
				or lapse.department,
				"service_unit": match.service_unit,
				"appointment_date": match.start.date(),
				"appointment_time": match.start.time(),
				"duration": match.minutes,
				"company": lapse.company or default_company(),
				"notes": _("Booked by text from a win-back conversation.")
				if by_text
				else _("Booked online from a win-back message."),
			}
		).insert(ignore_permissions=True)
	except RETRYABLE:
		raise  # a deadlock (two bookings numbering appointments at once): the caller runs the booking again
	except Exception as exc:
		if first_number_taken(exc):
			# The year's first appointment number, created by another booking at this moment: run it again.
			raise FirstNumberTaken from None
		log_error(
			"Win-back booking refused by clinic settings", exc, doctype="Patient Lapse", name=lapse.name
		)
		raise BookingProblem("clinic", _("We couldn't book this online.")) from None
	tell_front_desk(lapse, appointment, by_text=by_text)
	return appointment.name


def tell_front_desk(lapse: BookingLapse, appointment, *, by_text: bool = False) -> None:
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification

	from winback_app.staff import front_desk_users

	users = front_desk_users()
	if users:
		enqueue_create_notification(
			users,
			{
				"type": "Alert",
				"document_type": "Patient Appointment",
				"document_name": appointment.name,
				"subject": (
					_("Booked by text in a win-back conversation: {0} on {1} at {2}")
					if by_text
					else _("Online booking from a win-back link: {0} on {1} at {2}")
				).format(
					frappe.db.get_value("Patient", lapse.patient, "patient_name"),
					appointment.appointment_date,
					appointment.appointment_time,
				),
				"from_user": "Administrator",
			},
		)
