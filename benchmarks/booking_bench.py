"""Book by text through the signed webhook (issue 15), against frappe's ping and a plain reply in the same run.

Run from the bench's sites folder (a benchmark site, never winback.test):
    ../env/bin/python /work/main/benchmarks/booking_bench.py --site winback-webhook.test [--patients 150] [--rounds 3]

What it sets up (and removes afterwards): an Appointment Type, a department, a Practitioner Schedule (every day
08:00-12:00 and 13:00-17:00), --practitioners practitioners each with a chair of their own, Win-Back Settings'
booking_appointment_type / booking_lead_hours / booking_horizon_days (restored after), the host's confirmation
SMS off (restored), and per round --patients "booking" patients and as many "plain" patients, each with an open
lapse naming one of the practitioners and a number of their own (fictional (NXX) 555-01xx). Two booking patients
share a practitioner, so within a round each practitioner is asked for two times.

Within a phase the first patient of every practitioner texts first, then the second. A round fires, through gunicorn (the webhook bench's server, workers and client threads):
- frappe's ping (the web server's floor);
- "thanks!" from the plain patients (a plain reply: recorded, goes to a person);
- "yes mornings" from the booking patients: phase 1, the offer (the practitioner's real free slots, 2-3
  numbered morning times registered in the patient's Win-Back Conversation);
- "1" / "2" from the same patients (the pair of a practitioner picks different options): phase 2, the booking
  through booking.service.book_for_lapse and the confirmation text. A time taken meanwhile gets new times.
The order is swapped each round (ping, plain, offer, book / offer, book, plain, ping) so a load trend hits all
alike. Printed per round: req/s, p50/p95/p99; the outcomes (offers made, appointments booked, times taken,
anything else); then the medians and the ratios: booking p99 / plain p99 (issue 19's goal <= 3x), and each
against ping.

Then, in this process, the offer computation alone for one lapse, median over --offer-runs: booking.service.offer()
+ engine.booking_talk.choose_options() (what phase 1 computes), next to engine.slots.free_slots() on the very
blocks, booked times and closed days it reads (its floor: the bare slot engine, no reads); once for a lapse that
names a practitioner and once for a lapse of the department (all --practitioners practitioners).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhook_bench as wb  # noqa: E402

PREFIX = "BKBENCH"
DEPARTMENT = "Bench Booking Dept"
APPOINTMENT_TYPE = "Bench Booking Visit"
UNIT_TYPE = "Bench Booking Chair"
SCHEDULE = "Bench Booking Days"
PRACTITIONER = "Bench Booking"  # first names "Bench Booking 001"...
# Area codes of the bench's patients: 100 fictional 555-01xx numbers each, one number per patient.
AREAS = tuple(str(a) for a in range(702, 790) if a % 10 not in (0, 1) and a // 10 % 10 != 1)
SETTINGS = ("booking_appointment_type", "booking_lead_hours", "booking_horizon_days")
DEV_SITE = "winback.test"


def connect(site: str):
	import frappe

	if site == DEV_SITE:
		sys.exit(f"{DEV_SITE} is the development site: benchmark on a bench site only.")
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


# --- set up ----------------------------------------------------------------------------------------------


def reference_records(frappe, practitioners: int) -> dict:
	"""Department, appointment type, schedule, a chair and a practitioner per index; returns their names."""
	if not frappe.db.exists("Medical Department", DEPARTMENT):
		frappe.get_doc({"doctype": "Medical Department", "department": DEPARTMENT}).insert(
			ignore_permissions=True
		)
	if not frappe.db.exists("Appointment Type", APPOINTMENT_TYPE):
		frappe.get_doc(
			{
				"doctype": "Appointment Type",
				"appointment_type": APPOINTMENT_TYPE,
				"allow_booking_for": "Practitioner",
				"default_duration": 30,
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Healthcare Service Unit Type", UNIT_TYPE):
		frappe.get_doc(
			{
				"doctype": "Healthcare Service Unit Type",
				"service_unit_type": UNIT_TYPE,
				"allow_appointments": 1,
				"overlap_appointments": 0,
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Practitioner Schedule", SCHEDULE):
		frappe.get_doc(
			{
				"doctype": "Practitioner Schedule",
				"schedule_name": SCHEDULE,
				"time_slots": [
					{"day": day, "from_time": start, "to_time": end}
					for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
					for start, end in (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))
				],
			}
		).insert(ignore_permissions=True)
	company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
	root = frappe.db.get_value(
		"Healthcare Service Unit", {"is_group": 1, "company": company}, "name"
	) or frappe.db.get_value("Healthcare Service Unit", {"is_group": 1}, "name")
	names = []
	for k in range(practitioners):
		unit_name = f"{UNIT_TYPE} {k:03d}"
		unit = frappe.db.get_value("Healthcare Service Unit", {"healthcare_service_unit_name": unit_name})
		if not unit:
			unit = (
				frappe.get_doc(
					{
						"doctype": "Healthcare Service Unit",
						"healthcare_service_unit_name": unit_name,
						"parent_healthcare_service_unit": root,
						"service_unit_type": UNIT_TYPE,
						"company": company,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		first = f"{PRACTITIONER} {k:03d}"
		practitioner = frappe.db.get_value("Healthcare Practitioner", {"first_name": first})
		if not practitioner:
			practitioner = (
				frappe.get_doc(
					{
						"doctype": "Healthcare Practitioner",
						"first_name": first,
						"status": "Active",
						"department": DEPARTMENT,
						"practitioner_schedules": [{"schedule": SCHEDULE, "service_unit": unit}],
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		names.append(practitioner)
	frappe.db.commit()
	return {"practitioners": names, "company": company}


def configure(frappe) -> dict:
	"""Twilio as the webhook bench sets it, the booking settings for this run; returns what to restore."""
	wb.choose_consent_policy(frappe)
	settings = frappe.get_single("Win-Back Settings")
	before = {f: settings.get(f) for f in SETTINGS}
	settings.update(
		{
			"sending_mode": "Twilio",
			"twilio_account_sid": wb.SID,
			"twilio_auth_token": wb.TOKEN,
			"twilio_messaging_service_sid": "MG" + "c" * 32,
			"public_base_url": wb.BASE,
			"practice_phone": settings.practice_phone or "(202) 555-0100",
			"practice_address": settings.practice_address or "1 Main St, Springfield",
			"booking_appointment_type": APPOINTMENT_TYPE,
			"booking_lead_hours": 2,
			"booking_horizon_days": 14,
		}
	)
	settings.save(ignore_permissions=True)
	before["send_appointment_confirmation"] = frappe.db.get_single_value(
		"Healthcare Settings", "send_appointment_confirmation"
	)
	frappe.db.set_single_value("Healthcare Settings", "send_appointment_confirmation", 0)
	frappe.db.commit()
	return before


def patients_with_lapses(frappe, count: int, practitioners: list[str], company: str) -> list[tuple]:
	"""count patients, one number each, each with an open lapse naming a practitioner (two per practitioner,
	in order). Returns [(patient, e164 number, lapse, practitioner)]."""
	from frappe.utils import now_datetime, today

	from winback_app.contacts.phones import sync_stale

	if count > 100 * len(AREAS):
		sys.exit(f"at most {100 * len(AREAS)} patients (one fictional number each)")
	now = now_datetime()
	gender = frappe.db.get_value("Gender", {}, "name")
	segment = frappe.db.get_value("Campaign Segment", {}, "name")
	std = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
	people, lapses = [], []
	for i in range(count):
		name = f"{PREFIX}-{i:05d}"
		number = f"({AREAS[i // 100]}) 555-01{i % 100:02d}"
		people.append(
			(name, now, now, "Administrator", "Administrator", 0, "Bench", f"Bench {i}", gender, "Active", number)
		)
		lapses.append(
			(
				f"{PREFIX}-L-{i:05d}",
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				name,
				f"Bench {i}",
				segment,
				"Open",
				0,
				today(),
				company,
				practitioners[(i // 2) % len(practitioners)],
				DEPARTMENT,
			)
		)
	frappe.db.bulk_insert(
		"Patient",
		[*std, "first_name", "patient_name", "sex", "status", "mobile"],
		people,
		ignore_duplicates=True,
	)
	frappe.db.bulk_insert(
		"Patient Lapse",
		[
			*std,
			"patient",
			"patient_name",
			"segment",
			"status",
			"holdout",
			"detected_on",
			"company",
			"practitioner",
			"department",
		],
		lapses,
		ignore_duplicates=True,
	)
	sync_stale()
	names = [p[0] for p in people]
	phones = dict(
		frappe.get_all(
			"Win-Back Patient Phone", {"patient": ("in", names), "source": "Mobile"}, ["patient", "phone"], as_list=True
		)
	)
	shared = frappe.get_all(
		"Win-Back Patient Phone",
		{"phone": ("in", list(phones.values())), "patient": ("not in", names)},
		pluck="phone",
	)
	if shared:
		sys.exit(f"{len(shared)} of the bench's numbers belong to other patients on this site: pick other AREAS")
	frappe.db.commit()
	return [(p[0], phones[p[0]], lapse[0], lapse[13]) for p, lapse in zip(people, lapses, strict=True)]


# --- the requests ----------------------------------------------------------------------------------------


def signed(site: str, texts: list[tuple[str, str]], tag: str) -> list[tuple[str, bytes, dict]]:
	"""Twilio-shaped signed posts of (number, body), prepared before the clock starts."""
	from twilio.request_validator import RequestValidator

	validator = RequestValidator(wb.TOKEN)
	stamp = int(time.time() * 1000)
	prepared = []
	for i, (number, body) in enumerate(texts):
		params = {
			"MessageSid": f"SMBK{tag}{i:06d}{stamp}",
			"From": number,
			"To": "+12025550100",
			"Body": body,
			"NumMedia": "0",
		}
		headers = {
			"X-Frappe-Site-Name": site,
			"X-Twilio-Signature": validator.compute_signature(wb.BASE + wb.PATH, params),
			"Content-Type": "application/x-www-form-urlencoded",
		}
		prepared.append((wb.PATH, urllib.parse.urlencode(params).encode(), headers))
	return prepared


def outcomes(site: str, group: list[tuple]) -> dict:
	"""What the texts of these patients produced: conversations by pending question, offered times (all in the
	morning?), appointments (and whether any time was booked twice), the plain replies' handling."""
	frappe = connect(site)
	try:
		patients = [g[0] for g in group]
		conversations = frappe.get_all(
			"Win-Back Conversation", {"patient": ("in", patients)}, ["name", "pending", "status"]
		)
		offered = frappe.get_all(
			"Win-Back Offered Time",
			{"parent": ("in", [c.name for c in conversations] or [""])},
			["parent", "start"],
		)
		appointments = frappe.get_all(
			"Patient Appointment",
			{"patient": ("in", patients)},
			["name", "practitioner", "appointment_date", "appointment_time"],
		)
		replies = frappe.get_all(
			"Win-Back SMS Reply", {"patient": ("in", patients)}, ["category", "needs_person"]
		)
		per = Counter(o.parent for o in offered)
		return {
			"pending": Counter(c.pending or "-" for c in conversations),
			"options per conversation": Counter(per.values()),
			"offered not in the morning": sum(1 for o in offered if o.start.hour >= 12),
			"appointments": len(appointments),
			"double-booked times": len(appointments)
			- len({(a.practitioner, a.appointment_date, str(a.appointment_time)) for a in appointments}),
			"replies": Counter((r.category or "-", "person" if r.needs_person else "answered") for r in replies),
		}
	finally:
		frappe.destroy()


# --- the offer computation in process ---------------------------------------------------------------------


def offer_in_process(site: str, lapse_row: tuple, practitioners: list[str], company: str, runs: int) -> list:
	"""service.offer + choose_options (ours) against free_slots on the same inputs (the floor), alternating."""
	frappe = connect(site)
	try:
		from datetime import timedelta

		from frappe.utils import cint, getdate, now_datetime

		from winback_app.booking import reader, service
		from winback_app.engine import booking_talk as talk
		from winback_app.engine.slots import free_slots
		from winback_app.settings import get_settings

		patient, _number, lapse, practitioner = lapse_row
		results = []
		for label, lapse_practitioner in (("a lapse naming its practitioner", practitioner), ("a lapse of the department", None)):
			booking_lapse = service.BookingLapse(lapse, patient, "Bench", lapse_practitioner, DEPARTMENT, company)
			wish = talk.Wish(part="morning")
			now = now_datetime()

			def ours():
				return talk.choose_options(service.offer(booking_lapse, now=now), wish, n=3)

			settings = get_settings()
			_kind, minutes = service.appointment_type_for(booking_lapse)
			allowed = reader.practitioners_for(lapse_practitioner, DEPARTMENT)
			start = getdate(now)
			days = cint(settings.booking_horizon_days) or 14
			end = start + timedelta(days=days)
			blocks = reader.schedule_blocks(allowed, minutes)
			units = sorted({b.service_unit for b in blocks if b.service_unit})
			booked = reader.booked(allowed, units, start, end, current=False)
			closed = reader.closed_days(allowed, company, start, end)
			lead = timedelta(hours=cint(settings.booking_lead_hours))

			def floor():
				return free_slots(blocks, booked, start_day=start, days=days, now=now, lead=lead, closed_days=closed)

			ours(), floor()  # warm caches
			t_ours, t_floor = [], []
			for i in range(runs):
				for which in ((ours, t_ours), (floor, t_floor)) if i % 2 == 0 else ((floor, t_floor), (ours, t_ours)):
					began = time.perf_counter()
					which[0]()
					which[1].append(time.perf_counter() - began)
			chosen, exact = ours()
			results.append(
				{
					"label": label,
					"practitioners": len(allowed),
					"blocks": len(blocks),
					"booked": len(booked),
					"slots": len(floor()),
					"ours": statistics.median(t_ours),
					"floor": statistics.median(t_floor),
					"options": len(chosen),
					"exact": exact,
					"morning": all(s.start.hour < 12 for s in chosen),
				}
			)
		return results
	finally:
		frappe.destroy()


# --- where the time goes ----------------------------------------------------------------------------------


def profile(site: str, group: list[tuple], plain: list[tuple], top: int = 40) -> None:
	"""The offer and booking texts of these patients through frappe.app.application in this process, one after
	the other (no concurrency), each phase under cProfile, with its SQL time (frappe.db.sql wrapped)."""
	import cProfile
	import pstats

	from werkzeug.test import EnvironBuilder

	os.environ["FRAPPE_SITE"] = site  # noqa: SIM112 (frappe's own variable)
	import frappe
	from frappe.app import application
	from frappe.database.database import Database

	sql_time = [0.0, 0]
	original = Database.sql

	def timed_sql(self, *a, **k):
		began = time.perf_counter()
		try:
			return original(self, *a, **k)
		finally:
			sql_time[0] += time.perf_counter() - began
			sql_time[1] += 1

	Database.sql = timed_sql

	def call(request):
		path, data, headers = request
		environ = EnvironBuilder(path=path, method="POST", data=data, headers=headers).get_environ()
		b"".join(application(environ, lambda status, headers, exc_info=None: None))

	# the first patient of every practitioner, then the second; the pair picks different options
	spread = [(r, "1") for r in group[0::2]] + [(r, "2") for r in group[1::2]]
	for kind in ("plain", "offer", "book"):
		if kind == "plain":  # other patients, whose lapses never book
			texts = [(r[1], "thanks!") for r in plain]
		else:
			texts = [(r[1], pick if kind == "book" else "yes mornings") for r, pick in spread]
		requests = signed(site, texts, "X" + kind[0].upper())
		sql_time[:] = [0.0, 0]
		profiler = cProfile.Profile()
		started = time.perf_counter()
		profiler.enable()
		for request in requests:
			call(request)
		profiler.disable()
		n = len(requests)
		wall = (time.perf_counter() - started) / n
		print(
			f"{kind}: {n} texts in process, {wall * 1000:.1f} ms each under cProfile, of which SQL "
			f"{sql_time[0] / n * 1000:.1f} ms in {sql_time[1] / n:.0f} queries"
		)
		if kind != "plain":
			pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
	Database.sql = original
	frappe.destroy()


# --- clean up --------------------------------------------------------------------------------------------


def cleanup(site: str, rows: list[tuple], before: dict, errors_before: int) -> dict:
	frappe = connect(site)
	try:
		patients = [r[0] for r in rows]
		numbers = [r[1] for r in rows]
		lapses = [r[2] for r in rows]
		appointments = frappe.get_all("Patient Appointment", {"patient": ("in", patients)}, pluck="name")
		# healthcare puts every appointment in the calendar: an Event with the patient as a participant
		Participant = frappe.qb.DocType("Event Participants")
		events = (
			frappe.qb.from_(Participant)
			.select(Participant.parent)
			.distinct()
			.where(Participant.reference_doctype == "Patient")
			.where(Participant.reference_docname.like(PREFIX + "-%"))
			.run(pluck=True)
		)
		replies = frappe.get_all("Win-Back SMS Reply", {"from_number": ("in", numbers)}, pluck="name")
		comms = frappe.get_all("Communication", {"phone_no": ("in", numbers)}, pluck="name")
		# and on the patient's timeline, a Communication of the Event (frappe's Event.sync_communication)
		Link = frappe.qb.DocType("Communication Link")
		linked = (
			frappe.qb.from_(Link)
			.select(Link.parent)
			.distinct()
			.where(Link.link_doctype == "Patient")
			.where(Link.link_name.like(PREFIX + "-%"))
			.run(pluck=True)
		)
		comms = sorted({*comms, *linked})
		convs = frappe.get_all("Win-Back Conversation", {"patient": ("in", patients)}, pluck="name")
		todos = frappe.get_all(
			"ToDo",
			{"reference_type": ("in", ("Win-Back SMS Reply", "Patient Appointment", "Patient Lapse")),
			 "reference_name": ("in", [*replies, *appointments, *lapses] or [""])},
			pluck="name",
		)
		counts = {
			"appointments": len(appointments),
			"calendar events": len(events),
			"replies": len(replies),
			"communications": len(comms),
			"conversations": len(convs),
			"todos": len(todos),
			"Error Log rows added": frappe.db.count("Error Log") - errors_before,
		}
		for doctype, field, values in (
			("ToDo", "name", todos),
			("Notification Log", "document_name", [*replies, *appointments]),
			("Communication Link", "parent", comms),
			("Communication", "name", comms),
			("Version", "docname", [*appointments, *lapses]),
			("Patient Appointment", "name", appointments),
			("Event Participants", "parent", events),
			("Event", "name", events),
			("Win-Back Offered Time", "parent", convs),
			("Win-Back Conversation", "name", convs),
			("Win-Back SMS Reply", "name", replies),
			("Win-Back SMS Opt-Out", "name", numbers),
			("Patient Lapse", "name", lapses),
			("Win-Back Patient Phone", "patient", patients),
			("Patient", "name", patients),
		):
			for i in range(0, len(values), 500):
				frappe.db.delete(doctype, {field: ("in", values[i : i + 500])})
		# rows, not delete_doc: delete_doc queues a job per document, and frappe 16 refuses to queue one when its
		# queue is long (QueueOverloaded), which would leave the clinic behind
		for doctype, names in (
			(
				"Healthcare Practitioner",
				frappe.get_all("Healthcare Practitioner", {"first_name": ("like", PRACTITIONER + " %")}, pluck="name"),
			),
			(
				"Healthcare Service Unit",
				frappe.get_all(
					"Healthcare Service Unit", {"healthcare_service_unit_name": ("like", UNIT_TYPE + " %")}, pluck="name"
				),
			),
			("Practitioner Schedule", [SCHEDULE]),
			("Healthcare Service Unit Type", [UNIT_TYPE]),
			("Appointment Type", [APPOINTMENT_TYPE]),
			("Medical Department", [DEPARTMENT]),
		):
			for table in frappe.get_meta(doctype).get_table_fields():
				frappe.db.delete(table.options, {"parenttype": doctype, "parent": ("in", names)})
			frappe.db.delete(doctype, {"name": ("in", names)})
		settings = frappe.get_single("Win-Back Settings")
		settings.update({f: before[f] for f in SETTINGS})
		settings.save(ignore_permissions=True)
		frappe.db.set_single_value(
			"Healthcare Settings", "send_appointment_confirmation", before["send_appointment_confirmation"] or 0
		)
		frappe.db.commit()
		return counts
	finally:
		frappe.destroy()


# --- main ------------------------------------------------------------------------------------------------


def summary(r: dict) -> str:
	return (
		f"{r['rps']:7.1f} req/s   p50 {r['p50'] * 1000:6.1f} ms   p95 {r['p95'] * 1000:6.1f} ms"
		f"   p99 {r['p99'] * 1000:6.1f} ms   {r['statuses']}"
	)


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--patients", type=int, default=150, help="booking patients per round (and as many plain)")
	parser.add_argument("--practitioners", type=int, default=0, help="default: patients / 2")
	parser.add_argument("--rounds", type=int, default=3)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="bench: 2 x cores + 1")
	parser.add_argument("--offer-runs", type=int, default=100)
	parser.add_argument(
		"--profile", type=int, default=0, help="N: profile N offers and N bookings in process (no web server)"
	)
	args = parser.parse_args()
	p = args.patients
	practitioners = args.practitioners or max(1, p // 2)
	med = statistics.median

	frappe = connect(args.site)
	started = time.perf_counter()
	refs = reference_records(frappe, practitioners)
	before = configure(frappe)
	errors_before = frappe.db.count("Error Log")
	warm_n = 20
	rows = patients_with_lapses(frappe, (2 * p) * args.rounds + 2 * warm_n, refs["practitioners"], refs["company"])
	frappe.destroy()
	print(
		f"[setup] {practitioners} practitioners, {len(rows)} patients with lapses, {time.perf_counter() - started:.0f} s",
		flush=True,
	)
	warm_book, warm_plain = rows[:warm_n], rows[warm_n : 2 * warm_n]
	rounds = []
	for i in range(args.rounds):
		base = 2 * warm_n + 2 * p * i
		rounds.append((rows[base : base + p], rows[base + p : base + 2 * p]))

	picks = ("1", "2")  # the two patients of a practitioner pick different options
	if args.profile:
		try:
			first = 2 * warm_n
			profile(args.site, rows[first : first + args.profile], rows[first + p : first + p + args.profile])
		finally:
			print(f"rows written {cleanup(args.site, rows, before, errors_before)} (cleaned up)")
		return
	result = {"ping": [], "plain": [], "offer": [], "book": []}
	seen, loads = [], []
	server, port = wb.start_gunicorn(args.site, args.workers, 1)
	worker = wb.start_worker(args.site)
	try:
		ping = [("/api/method/ping", None, {"X-Frappe-Site-Name": args.site})] * p
		wb.fire(port, ping[:50], args.clients)
		wb.fire(port, signed(args.site, [(r[1], "thanks!") for r in warm_plain], "WP"), args.clients)
		wb.fire(port, signed(args.site, [(r[1], "yes mornings") for r in warm_book], "WO"), args.clients)
		wb.fire(port, signed(args.site, [(r[1], picks[j % 2]) for j, r in enumerate(warm_book)], "WB"), args.clients)
		for i, (book_rows, plain_rows) in enumerate(rounds):
			plain = signed(args.site, [(r[1], "thanks!") for r in plain_rows], f"P{i}")
			# the first patient of every practitioner, then the second: two texts about one practitioner's times
			# rarely arrive in the same second, so they are not fired side by side
			spread = [(r, picks[0]) for r in book_rows[0::2]] + [(r, picks[1]) for r in book_rows[1::2]]
			offer = signed(args.site, [(r[1], "yes mornings") for r, _pick in spread], f"O{i}")
			book = signed(args.site, [(r[1], pick) for r, pick in spread], f"B{i}")
			order = ("ping", "plain", "offer", "book") if i % 2 == 0 else ("offer", "book", "plain", "ping")
			after_offer = None
			for kind in order:
				result[kind].append(wb.fire(port, {"ping": ping, "plain": plain, "offer": offer, "book": book}[kind], args.clients))
				if kind == "offer":
					after_offer = outcomes(args.site, book_rows)
			loads.append(os.getloadavg()[0])
			seen.append((after_offer, outcomes(args.site, book_rows), outcomes(args.site, plain_rows)))
		lag = wb.assignment_lag(args.site, [r[1] for _b, plain_rows in rounds for r in plain_rows], timeout=30)
	finally:
		server.terminate()
		worker.terminate()
		server.wait(timeout=20)
		worker.wait(timeout=20)

	try:
		in_process = offer_in_process(
			args.site, rounds[0][1][0], refs["practitioners"], refs["company"], args.offer_runs
		)
		report(args, p, practitioners, result, seen, loads, lag, in_process)
	finally:
		print(f"rows written {cleanup(args.site, rows, before, errors_before)} (cleaned up)")


def report(args, p, practitioners, result, seen, loads, lag, in_process) -> None:
	med = statistics.median

	print(
		f"book by text through the webhook, {args.rounds} round(s) of {p} requests per kind, {args.clients} client threads, "
		f"gunicorn {args.workers} sync workers --preload, {os.cpu_count()} cores, one short-queue worker running; "
		f"{practitioners} practitioners (a chair each, 08-12 and 13-17 daily), 2 booking patients per practitioner a round"
	)
	labels = {
		"ping": "frappe's ping (floor)",
		"plain": 'plain reply "thanks!"',
		"offer": 'offer "yes mornings"',
		"book": 'booking "1"/"2"',
	}
	for i in range(args.rounds):
		for kind in ("ping", "plain", "offer", "book"):
			print(f"  round {i + 1}: {labels[kind]:<26} {summary(result[kind][i])}")
		after_offer, after_book, plain_seen = seen[i]
		print(
			f"    after the offer: pending {dict(after_offer['pending'])}, options per text {dict(after_offer['options per conversation'])}, "
			f"offered outside the morning {after_offer['offered not in the morning']}"
		)
		print(
			f"    after the pick:  appointments {after_book['appointments']} of {p}, pending {dict(after_book['pending'])}, "
			f"double-booked {after_book['double-booked times']}; replies {dict(after_book['replies'])}"
		)
		print(f"    plain replies:   {dict(plain_seen['replies'])}")

	def ratio(kind, base, q):
		return [k[q] / b[q] for k, b in zip(result[kind], result[base], strict=True)]

	print("medians of the rounds (ratios per round in brackets)")
	for kind in ("ping", "plain", "offer", "book"):
		rs = result[kind]
		print(
			f"  {labels[kind]:<26} {med(r['rps'] for r in rs):7.1f} req/s   p50 {med(r['p50'] for r in rs) * 1000:6.1f} ms"
			f"   p99 {med(r['p99'] for r in rs) * 1000:6.1f} ms"
		)
	for kind, base, q, goal in (
		("book", "plain", "p99", 3),
		("book", "plain", "p50", None),
		("offer", "plain", "p99", None),
		("offer", "plain", "p50", None),
		("book", "ping", "p99", None),
		("plain", "ping", "p99", None),
	):
		rs = ratio(kind, base, q)
		verdict = ("   goal <= 3x   " + ("met" if med(rs) <= goal else "NOT met")) if goal else ""
		print(f"  {kind:>5} {q} / {base} {q}: {med(rs):5.2f}x ({' '.join(f'{x:.2f}' for x in rs)}){verdict}")
	print(f"  load average (1 min) after each round: {' '.join(f'{x:.1f}' for x in loads)}")
	print(
		f"  plain reply -> ToDo (worker) p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s ({lag['assigned']} assigned, {lag['waiting']} waiting)"
	)
	print(f"offer computation in process, median of {args.offer_runs} runs each, alternating")
	for r in in_process:
		print(
			f"  {r['label']:<32} {r['practitioners']:>3} practitioners, {r['blocks']} blocks, {r['booked']} booked, {r['slots']} free slots:"
			f"  free_slots {r['floor'] * 1000:6.2f} ms   offer+choose_options {r['ours'] * 1000:6.2f} ms"
			f"   ratio {r['ours'] / r['floor']:.2f}x   ({r['options']} options, morning {r['morning']}, exact {r['exact']})"
		)


if __name__ == "__main__":
	main()
