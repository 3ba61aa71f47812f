"""Read what free-slot computation needs from the host, set-based: schedules, booked appointments, days off.

A handful of queries for any number of practitioners and days. Nothing here decides; engine/slots.py does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.utils import cint, getdate

from winback_app.engine.slots import BookedAppointment, ScheduleBlock, day_index
from winback_app.engine.window import parse_time

Practitioner = DocType("Healthcare Practitioner")
UnitSchedule = DocType("Practitioner Service Unit Schedule")
Schedule = DocType("Practitioner Schedule")
TimeSlot = DocType("Healthcare Schedule Time Slot")
Unit = DocType("Healthcare Service Unit")
Appointment = DocType("Patient Appointment")
Holiday = DocType("Holiday")

NOT_BOOKED = ("Cancelled",)


def practitioners_for(practitioner: str | None, department: str | None) -> list[str]:
	"""Who a lapse's link offers times with: its last practitioner when they are active and have a schedule;
	else the active, scheduled practitioners of its department; else every active, scheduled practitioner of
	the clinic (a new patient, or a lapse whose records name neither), so a link always leads to times."""
	bookable = online_bookable()
	if practitioner and practitioner in bookable:
		return [practitioner]
	if department:
		same = [name for name, dept in bookable.items() if dept == department]
		if same:
			return same
	return list(bookable)


def campaign_practitioners(practitioners: Iterable[str] = (), departments: Iterable[str] = ()) -> list[str]:
	"""Whose free slots a campaign's pace counts: the scheduled practitioners among its "Only for" practitioners,
	else those of its "Only for" departments, else every active practitioner with a schedule (one query)."""
	bookable = online_bookable()
	named, depts = set(practitioners), set(departments)
	if named:
		return [p for p in bookable if p in named]
	if depts:
		return [p for p, dept in bookable.items() if dept in depts]
	return list(bookable)


def online_bookable() -> dict[str, str | None]:
	"""{practitioner: department} of every active practitioner with an enabled schedule, by name (one query)."""
	rows = (
		frappe.qb.from_(Practitioner)
		.join(UnitSchedule)
		.on(
			(UnitSchedule.parent == Practitioner.name)
			& (UnitSchedule.parenttype == "Healthcare Practitioner")
		)
		.join(Schedule)
		.on(Schedule.name == UnitSchedule.schedule)
		.select(Practitioner.name, Practitioner.department)
		.distinct()
		.where(Practitioner.status == "Active")
		.where(Schedule.disabled == 0)
		.orderby(Practitioner.name)
		.run()
	)
	return dict(rows)


def schedule_blocks(practitioners: list[str], minutes: int) -> list[ScheduleBlock]:
	if not practitioners:
		return []
	rows = (
		frappe.qb.from_(UnitSchedule)
		.join(Schedule)
		.on(Schedule.name == UnitSchedule.schedule)
		.join(TimeSlot)
		.on((TimeSlot.parent == Schedule.name) & (TimeSlot.parenttype == "Practitioner Schedule"))
		.left_join(Unit)
		.on(Unit.name == UnitSchedule.service_unit)
		.select(
			UnitSchedule.parent,
			UnitSchedule.service_unit,
			TimeSlot.day,
			TimeSlot.from_time,
			TimeSlot.to_time,
			TimeSlot.maximum_appointments,
			TimeSlot.duration,
			Unit.overlap_appointments,
			Unit.service_unit_capacity,
		)
		.where(UnitSchedule.parent.isin(practitioners))
		.where(UnitSchedule.parenttype == "Healthcare Practitioner")
		.where(Schedule.disabled == 0)
		.run()
	)
	blocks = []
	for practitioner, unit, day, start, end, max_appts, _row_minutes, overlap, capacity in rows:
		start, end = parse_time(start), parse_time(end)
		length = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
		# The host's "Add Time Slots" writes one row per slot; a long row (a whole morning) is stepped by the
		# appointment's duration instead.
		step = minutes if length >= 2 * minutes else 0
		blocks.append(
			ScheduleBlock(
				practitioner=practitioner,
				weekday=day_index(day),
				start=start,
				end=end,
				service_unit=unit,
				allow_overlap=bool(cint(overlap)),
				capacity=max(cint(capacity), 1),
				maximum_appointments=cint(max_appts),
				slot_minutes=step,
			)
		)
	return blocks


def booked(
	practitioners: list[str], units: list[str], start: date, end: date, current: bool = False
) -> list[BookedAppointment]:
	"""Appointments that take time. current=True reads with locks: it sees what other transactions committed
	after this one began (a consistent read would not), which is what a booking decided under lock needs."""
	who = Appointment.practitioner.isin(practitioners or [""])
	if units:
		who = who | Appointment.service_unit.isin(units)
	query = (
		frappe.qb.from_(Appointment)
		.select(
			Appointment.practitioner,
			Appointment.service_unit,
			Appointment.appointment_date,
			Appointment.appointment_time,
			Appointment.duration,
		)
		.where(who)
		.where(Appointment.appointment_date >= start)
		.where(Appointment.appointment_date < end)
		.where(Appointment.status.notin(NOT_BOOKED))
	)
	rows = (query.for_update() if current else query).run()
	return [
		BookedAppointment(p, u, datetime.combine(getdate(d), parse_time(t or time(0))), cint(m) or 15)
		for p, u, d, t, m in rows
	]


def closed_days(
	practitioners: list[str], company: str | None, start: date, end: date
) -> dict[str, set[date]]:
	"""Holidays from each practitioner's employee holiday list, or the company's default; leave where HRMS is."""
	out: dict[str, set[date]] = {p: set() for p in practitioners}
	if not practitioners:
		return out
	employees = dict(
		frappe.qb.from_(Practitioner)
		.select(Practitioner.name, Practitioner.employee)
		.where(Practitioner.name.isin(practitioners))
		.run()
	)
	lists = {}
	emp_ids = [e for e in employees.values() if e]
	if emp_ids:
		Employee = DocType("Employee")
		lists = dict(
			frappe.qb.from_(Employee)
			.select(Employee.name, Employee.holiday_list)
			.where(Employee.name.isin(emp_ids))
			.run()
		)
	company_list = frappe.db.get_value("Company", company, "default_holiday_list") if company else None
	wanted = {p: lists.get(employees.get(p)) or company_list for p in practitioners}
	names = sorted({x for x in wanted.values() if x})
	days: dict[str, set[date]] = {}
	if names:
		for parent, day in (
			frappe.qb.from_(Holiday)
			.select(Holiday.parent, Holiday.holiday_date)
			.where(Holiday.parent.isin(names))
			.where(Holiday.holiday_date >= start)
			.where(Holiday.holiday_date < end)
			.run()
		):
			days.setdefault(parent, set()).add(getdate(day))
	for p in practitioners:
		out[p] |= days.get(wanted[p], set())
	if emp_ids and "hrms" in frappe.get_installed_apps():
		Leave = DocType("Leave Application")
		by_employee = {e: p for p, e in employees.items() if e}
		for employee, from_date, to_date in (
			frappe.qb.from_(Leave)
			.select(Leave.employee, Leave.from_date, Leave.to_date)
			.where(Leave.employee.isin(emp_ids))
			.where(Leave.docstatus == 1)
			.where(Leave.to_date >= start)
			.where(Leave.from_date < end)
			.run()
		):
			day = getdate(from_date)
			while day <= getdate(to_date):
				out[by_employee[employee]].add(day)
				day += timedelta(days=1)
	return out
