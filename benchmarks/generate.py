"""Fill a benchmark site with N synthetic patients and about four years of clinic history, by bulk inserts.

Usage (from /opt/frappe-bench/sites):
    ../env/bin/python /work/main/benchmarks/generate.py --site winback-bench.test --patients 100000

or from Python, on a connected site: generate(n_patients, seed). detection_bench.py calls it for each size.

What one patient looks like (rates are per appointment unless said otherwise):
- ~4% of patients registered in the last 120 days and never booked (the "New Patient Never Booked" slice);
- the others have 6-14 past appointments (mean 10) between a first visit up to 4 years ago and a last visit
  whose age follows a clinic-like mix (45% seen in the last 6 months, 12% 6-9 months ago, 15% 9-18 months,
  the rest 18 months - 4 years); 10% No Show, ~7% Cancelled, the rest Closed;
- 20% of patients also have one future appointment (Scheduled or Confirmed), ~2% of all appointments;
- ~60% of Closed appointments have a submitted Patient Encounter (docstatus 1) on the same day, and ~7% of
  them a submitted, Completed Clinical Procedure;
- 0.4% of patients have a submitted "active-Request Status" Service Request ordered 30-180 days ago (a few
  hundred at 100k), and as many older, completed ones;
- 2% of patients have an open lapse from an earlier run and 1% one closed recently (re-entry cooldown);
- contact data: mobile for 90% and a landline for 20%, ONLY fictional NANP numbers "(NXX) 555-01xx" in a few
  spellings; e-mail patient<i>@example.com for 80%; 2% do-not-contact, 1% disabled, ~8% minors, consent mixed.
  There are only 100 fictional numbers per area code, so numbers are shared by many patients: the handful of
  opted-out numbers therefore blocks a few percent of patients.

Every generated row is named with the prefix "BEN-" so it never collides with a naming series the desk or
winback_app uses (naming.reserve hands out "WBL-00001"...), and so a partial run can be wiped.
Dates are relative to an anchor day (the day the set was generated), stored with the marker; the benchmark
runs detection "as of" that day so results do not drift when the set is reused on later days.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime

import frappe

MARKER = "winback_bench_dataset"
PREFIX = "BEN-"
CHUNK_PATIENTS = 2_000  # ~20k appointments + ~12k encounters per flush
COMPANY_FALLBACK = "Wind Power LLC"

FIRST = (
	"Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Harper",
	"Maria", "James", "Linda", "Robert", "Priya", "Wei", "Fatima", "Diego", "Olga", "Kenji",
	"Emma", "Noah", "Olivia", "Liam", "Sofia", "Mateo", "Aisha", "Samuel", "Grace", "Omar",
)  # fmt: skip
LAST = (
	"Rivera", "Smith", "Nguyen", "Johnson", "Garcia", "Chen", "Patel", "Brown", "Kim", "Lopez",
	"Martin", "Davis", "Okafor", "Müller", "Rossi", "Silva", "Cohen", "Haddad", "Novak", "Ito",
)  # fmt: skip
AREA_CODES = (
	201, 202, 203, 205, 206, 207, 208, 210, 212, 213, 214, 215, 216, 217, 224, 225, 228, 231, 234, 239,
	240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 301, 302, 303, 304, 305, 307, 309, 310, 312, 313,
)  # fmt: skip

DEPARTMENTS = ("Hygiene", "General Dentistry", "Restorative")
APPOINTMENT_TYPES = (  # (name, department, weight, is treatment)
	("Hygiene Cleaning", "Hygiene", 55, False),
	("Check-up", "General Dentistry", 30, False),
	("Treatment", "Restorative", 15, True),
)
PRACTITIONERS = (  # (first, last, department)
	("Dana", "Rivera", "Hygiene"),
	("Sam", "Okafor", "Hygiene"),
	("Lee", "Chen", "Hygiene"),
	("Robin", "Patel", "General Dentistry"),
	("Chris", "Garcia", "General Dentistry"),
	("Pat", "Novak", "Restorative"),
	("Kim", "Ito", "Restorative"),
	("Ari", "Haddad", "Restorative"),
)
PROCEDURE_TEMPLATES = ("BEN Filling", "BEN Crown Preparation")
LAPSE_SEGMENT = "Win-Back 9-18 Months"
OPT_OUT_WORDS = "BEN- generated opt-out"

COMMON = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]
PATIENT_FIELDS = COMMON + [
	"naming_series", "first_name", "last_name", "patient_name", "sex", "dob", "status", "mobile", "phone",
	"email", "winback_sms_consent", "winback_do_not_contact",
]  # fmt: skip
APPOINTMENT_FIELDS = COMMON + [
	"naming_series", "title", "patient", "patient_name", "patient_sex", "appointment_type", "appointment_for",
	"practitioner", "practitioner_name", "department", "duration", "appointment_date", "appointment_time",
	"appointment_datetime", "status", "company", "procedure_template", "invoiced",
]  # fmt: skip
ENCOUNTER_FIELDS = COMMON + [
	"naming_series", "title", "appointment", "patient", "patient_name", "patient_sex", "company",
	"practitioner", "practitioner_name", "encounter_date", "encounter_time", "appointment_type",
	"medical_department", "status", "invoiced",
]  # fmt: skip
PROCEDURE_FIELDS = COMMON + [
	"naming_series", "title", "appointment", "patient", "patient_name", "patient_sex", "medical_department",
	"practitioner", "practitioner_name", "procedure_template", "start_date", "start_time", "company", "status",
	"invoiced",
]  # fmt: skip
SERVICE_REQUEST_FIELDS = COMMON + [
	"naming_series", "title", "order_date", "order_time", "status", "patient", "patient_name", "company",
	"practitioner", "medical_department", "template_dt", "template_dn", "source", "quantity",
]  # fmt: skip
LAPSE_FIELDS = COMMON + [
	"patient", "patient_name", "segment", "status", "holdout", "cycle", "detected_on", "closed_on",
	"closed_reason", "reason", "reply_handled",
]  # fmt: skip

# every table generate() writes, for the wipe of a partial or differently sized set
TABLES = (
	"Patient",
	"Patient Appointment",
	"Patient Encounter",
	"Clinical Procedure",
	"Service Request",
	"Patient Lapse",
	"Win-Back SMS Opt-Out",
	"Email Unsubscribe",
)


def generate(n_patients: int, seed: int = 42, verbose: bool = True) -> dict:
	"""Make the site hold exactly the benchmark set for (n_patients, seed); a no-op when it already does."""
	marker = read_marker()
	if (
		marker
		and marker.get("patients") == n_patients
		and marker.get("seed") == seed
		and marker.get("complete")
		and frappe.db.count("Patient", {"name": ("like", f"{PREFIX}PAT-%")}) == n_patients
	):
		if verbose:
			print(
				f"[generate] {frappe.local.site}: {n_patients} patients already there (anchor {marker['anchor']})"
			)
		return marker
	if marker or frappe.db.exists("Patient", {"name": ("like", f"{PREFIX}%")}):
		wipe(verbose)

	anchor = frappe.utils.getdate()
	marker = {"patients": n_patients, "seed": seed, "anchor": anchor.isoformat(), "complete": False}
	write_marker(marker)
	frappe.db.commit()
	masters = ensure_masters()
	frappe.db.commit()

	rng = random.Random(seed)
	g = _Generator(rng, anchor, masters)
	started = time.perf_counter()
	totals: dict[str, int] = {}
	for first in range(1, n_patients + 1, CHUNK_PATIENTS):
		last = min(n_patients, first + CHUNK_PATIENTS - 1)
		rows = g.patients(first, last)
		for doctype, fields, values in rows:
			frappe.db.bulk_insert(doctype, fields, values, chunk_size=10_000)
			totals[doctype] = totals.get(doctype, 0) + len(values)
		# One commit per chunk: the transaction (undo log, row locks, frappe's per-transaction write counter)
		# stays small whatever N is, other sessions are not blocked behind a million-row transaction, and a
		# crash loses at most one chunk (the marker stays "incomplete", so the next run wipes and restarts).
		frappe.db.commit()
		if verbose and (last == n_patients or (last // CHUNK_PATIENTS) % 5 == 0):
			elapsed = time.perf_counter() - started
			print(
				f"[generate] {frappe.local.site}: {last}/{n_patients} patients, "
				f"{totals.get('Patient Appointment', 0)} appointments, {elapsed:.0f} s",
				flush=True,
			)
	extra = g.finish(n_patients)
	for doctype, fields, values in extra:
		frappe.db.bulk_insert(doctype, fields, values, chunk_size=10_000)
		totals[doctype] = totals.get(doctype, 0) + len(values)
	marker.update(complete=True, rows=totals, seconds=round(time.perf_counter() - started, 1))
	write_marker(marker)
	frappe.db.commit()
	if verbose:
		print(f"[generate] {frappe.local.site}: done in {marker['seconds']} s: {json.dumps(totals)}")
	return marker


def read_marker() -> dict | None:
	raw = frappe.db.get_default(MARKER)
	return json.loads(raw) if raw else None


def write_marker(marker: dict) -> None:
	frappe.db.set_default(MARKER, json.dumps(marker, sort_keys=True))


def wipe(verbose: bool = True) -> None:
	"""Delete every generated row (name starts with BEN-) and the marker: a partial or other-sized set."""
	for doctype in TABLES:
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).delete().where(table.name.like(f"{PREFIX}%")).run()
		frappe.db.commit()
	opt_out = frappe.qb.DocType("Win-Back SMS Opt-Out")
	frappe.qb.from_(opt_out).delete().where(opt_out.words == OPT_OUT_WORDS).run()
	phone = frappe.qb.DocType("Win-Back Patient Phone")
	frappe.qb.from_(phone).delete().where(phone.patient.like(f"{PREFIX}%")).run()
	frappe.db.set_default(MARKER, "")
	frappe.db.commit()
	if verbose:
		print(f"[generate] {frappe.local.site}: wiped the previous benchmark rows")


def company() -> str:
	return (
		frappe.defaults.get_global_default("company")
		or frappe.db.get_value("Company", {}, "name")
		or COMPANY_FALLBACK
	)


def ensure_masters() -> dict:
	"""Departments, appointment types, practitioners and procedure templates: ordinary inserts, once."""
	for dept in DEPARTMENTS:
		if not frappe.db.exists("Medical Department", dept):
			frappe.get_doc({"doctype": "Medical Department", "department": dept}).insert(
				ignore_permissions=True
			)
	for name, dept, _w, _t in APPOINTMENT_TYPES:
		if not frappe.db.exists("Appointment Type", name):
			frappe.get_doc(
				{
					"doctype": "Appointment Type",
					"appointment_type": name,
					"allow_booking_for": "Practitioner",
					"default_duration": 30,
					"color": "#7575ff",
				}
			).insert(ignore_permissions=True)
	practitioners = []
	for first, last, dept in PRACTITIONERS:
		full = f"{first} {last}"
		name = frappe.db.get_value("Healthcare Practitioner", {"practitioner_name": full}, "name")
		if not name:
			doc = frappe.get_doc(
				{
					"doctype": "Healthcare Practitioner",
					"first_name": first,
					"last_name": last,
					"gender": "Female" if len(practitioners) % 2 else "Male",
					"department": dept,
					"status": "Active",
				}
			).insert(ignore_permissions=True)
			name = doc.name
		practitioners.append((name, full, dept))
	for template in PROCEDURE_TEMPLATES:
		if not frappe.db.exists("Clinical Procedure Template", template):
			frappe.get_doc(
				{
					"doctype": "Clinical Procedure Template",
					"template": template,
					"item_code": template,
					"item_group": "Services",
					"is_billable": 0,
					"description": template,
					"medical_department": "Restorative",
				}
			).insert(ignore_permissions=True)
	return {"practitioners": practitioners, "company": company()}


def fictional_phone(rng: random.Random) -> str:
	"""Only the fictional (NXX) 555-01xx numbers, in the spellings clinics type."""
	area = rng.choice(AREA_CODES)
	line = rng.randrange(100)
	style = rng.random()
	if style < 0.6:
		return f"({area}) 555-01{line:02d}"
	if style < 0.8:
		return f"{area}-555-01{line:02d}"
	if style < 0.95:
		return f"+1 {area} 555 01{line:02d}"
	return f"{area}.555.01{line:02d}"


class _Generator:
	def __init__(self, rng: random.Random, anchor: date, masters: dict):
		self.rng = rng
		self.anchor = anchor
		self.company = masters["company"]
		self.by_dept: dict[str, list[tuple[str, str]]] = {}
		for name, full, dept in masters["practitioners"]:
			self.by_dept.setdefault(dept, []).append((name, full))
		self.types = [t for t in APPOINTMENT_TYPES]
		self.type_weights = [t[2] for t in APPOINTMENT_TYPES]
		self.seq = {"APP": 0, "ENC": 0, "CPR": 0, "HSR": 0, "WBL": 0}
		self.mobiles: list[str] = []  # a sample of raw mobiles, for opt-outs at the end
		self.emails: list[str] = []

	def _name(self, kind: str) -> str:
		self.seq[kind] += 1
		return f"{PREFIX}{kind}-{self.seq[kind]:08d}"

	def _dt(self, day: date, hour: int | None = None) -> datetime:
		hour = self.rng.randrange(8, 18) if hour is None else hour
		return datetime.combine(day, dtime(hour, self.rng.choice((0, 15, 30, 45))))

	def patients(self, first: int, last: int):
		rng, anchor = self.rng, self.anchor
		patients, appointments, encounters, procedures, requests, lapses = [], [], [], [], [], []
		for i in range(first, last + 1):
			pid = f"{PREFIX}PAT-{i:07d}"
			fn, ln = rng.choice(FIRST), rng.choice(LAST)
			full = f"{fn} {ln}"
			sex = rng.choice(("Female", "Male"))
			age = rng.randint(2, 17) if rng.random() < 0.08 else rng.randint(18, 90)
			dob = anchor - timedelta(days=age * 365 + rng.randrange(365))
			mobile = fictional_phone(rng) if rng.random() < 0.9 else None
			phone = fictional_phone(rng) if rng.random() < 0.2 else None
			email = f"patient{i}@example.com" if rng.random() < 0.8 else None
			consent = rng.choices(("Unknown", "Granted", "Revoked"), (60, 35, 5))[0]
			dnc = int(rng.random() < 0.02)
			status = "Disabled" if rng.random() < 0.01 else "Active"
			if mobile and len(self.mobiles) < 200:
				self.mobiles.append(mobile)
			if email and rng.random() < 0.005:
				self.emails.append(email)

			if rng.random() < 0.04:  # registered recently, never booked
				registered = self._dt(anchor - timedelta(days=rng.randrange(0, 120)))
				history = []
			else:
				mix = rng.random()  # how long ago the last past appointment was
				if mix < 0.45:
					recency = rng.randint(0, 179)
				elif mix < 0.57:
					recency = rng.randint(180, 269)
				elif mix < 0.72:
					recency = rng.randint(270, 539)
				else:
					recency = rng.randint(540, 1400)
				span = min(1460, recency + rng.randint(90, 1200))  # days since the first visit
				first_visit = anchor - timedelta(days=span)
				registered = self._dt(first_visit - timedelta(days=rng.randrange(0, 15)))
				k = rng.randint(6, 14)  # past appointments, mean 10 (two on one day happen, as in clinics)
				days = sorted(
					[span, recency, *(rng.randint(recency, span) for _ in range(k - 2))], reverse=True
				)
				history = [(anchor - timedelta(days=d), None) for d in days]
				if rng.random() < 0.2:
					history.append(
						(anchor + timedelta(days=rng.randint(1, 120)), rng.choice(("Scheduled", "Confirmed")))
					)
			patients.append(
				(
					pid, registered, registered, "Administrator", "Administrator", 0, 0,
					"HLC-PAT-.YYYY.-", fn, ln, full, sex, dob, status, mobile, phone, email, consent, dnc,
				)
			)  # fmt: skip

			for day, future_status in history:
				atype, dept, _w, treatment = rng.choices(self.types, self.type_weights)[0]
				prac, prac_name = rng.choice(self.by_dept[dept])
				when = self._dt(day)
				if future_status:
					status = future_status
				else:
					r = rng.random()
					status = "No Show" if r < 0.10 else "Cancelled" if r < 0.17 else "Closed"
				booked = when - timedelta(days=rng.randint(1, 60))
				template = rng.choice(PROCEDURE_TEMPLATES) if treatment else None
				app = self._name("APP")
				appointments.append(
					(
						app, booked, booked if future_status else when,
						"Administrator", "Administrator", 0, 0, "HLC-APP-.YYYY.-", f"{full} with {prac_name}",
						pid, full, sex, atype, "Practitioner", prac, prac_name, dept, 30, day, when.time(), when,
						status, self.company, template, 0,
					)
				)  # fmt: skip
				if status != "Closed":
					continue
				if rng.random() < 0.6:
					encounters.append(
						(
							self._name("ENC"), when, when, "Administrator", "Administrator", 1, 0,
							"HLC-ENC-.YYYY.-", full, app, pid, full, sex, self.company, prac, prac_name, day,
							when.time(), atype, dept, "Completed", 0,
						)
					)  # fmt: skip
				if treatment or rng.random() < 0.02:
					if rng.random() < (0.35 if treatment else 1):
						procedures.append(
							(
								self._name("CPR"), when, when, "Administrator", "Administrator", 1, 0,
								"HLC-CPR-.YYYY.-", f"{template or PROCEDURE_TEMPLATES[0]} - {full}", app, pid,
								full, sex, dept, prac, prac_name, template or PROCEDURE_TEMPLATES[0], day,
								when.time(), self.company, "Completed", 0,
							)
						)  # fmt: skip

			if history and rng.random() < 0.008:  # ordered treatment: half still open (30-180 d), half done
				active = rng.random() < 0.5
				ordered = anchor - timedelta(days=rng.randint(30, 179) if active else rng.randint(200, 900))
				prac, prac_name = rng.choice(self.by_dept["Restorative"])
				template = rng.choice(PROCEDURE_TEMPLATES)
				when = self._dt(ordered)
				requests.append(
					(
						self._name("HSR"), when, when, "Administrator", "Administrator", 1, 0, "HSR-",
						f"{template} for {full}", ordered, when.time(),
						"active-Request Status" if active else "completed-Request Status", pid, full,
						self.company, prac, "Restorative", "Clinical Procedure Template", template, "Direct", 1,
					)
				)  # fmt: skip

			r = rng.random()
			if history and r < 0.03:  # earlier win-back episodes: 2% still open, 1% closed recently
				detected = self._dt(anchor - timedelta(days=rng.randint(10, 80)))
				closed = detected + timedelta(days=rng.randint(5, 20)) if r >= 0.02 else None
				lapses.append(
					(
						self._name("WBL"), detected, closed or detected, "Administrator", "Administrator", 0, 0,
						pid, full, LAPSE_SEGMENT, "Exhausted" if closed else "In Cadence", 0,
						f"{detected.year:04d}-{detected.month:02d}", detected, closed,
						"Cadence finished" if closed else None, "Generated for the benchmark", 0,
					)
				)  # fmt: skip

		return [
			("Patient", PATIENT_FIELDS, patients),
			("Patient Appointment", APPOINTMENT_FIELDS, appointments),
			("Patient Encounter", ENCOUNTER_FIELDS, encounters),
			("Clinical Procedure", PROCEDURE_FIELDS, procedures),
			("Service Request", SERVICE_REQUEST_FIELDS, requests),
			("Patient Lapse", LAPSE_FIELDS, lapses),
		]

	def finish(self, n_patients: int):
		"""A few opted-out numbers and globally unsubscribed e-mails (names start with BEN- too)."""
		from winback_app.engine.phone import normalize

		now = datetime.combine(self.anchor, dtime(3))
		opt_outs = {}
		for raw in self.rng.sample(self.mobiles, min(len(self.mobiles), 5)):
			e164 = normalize(raw, "US")
			if e164:
				opt_outs[e164] = raw
		# Win-Back SMS Opt-Out is named by the E.164 number (autoname field:phone), which is what the reader
		# compares, so these rows cannot carry the BEN- prefix: wipe() finds them by their "words" instead.
		opt_rows = [
			(
				e164,
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				0,
				e164,
				"Opted Out",
				1,
				"Staff",
				now,
				OPT_OUT_WORDS,
			)
			for e164 in opt_outs
		]
		unsub_rows = [
			(f"{PREFIX}UNS-{i:06d}", now, now, "Administrator", "Administrator", 0, 0, email, 1)
			for i, email in enumerate(self.emails, 1)
		]
		return [
			(
				"Win-Back SMS Opt-Out",
				COMMON + ["phone", "reason", "active", "source", "opted_out_on", "words"],
				opt_rows,
			),
			("Email Unsubscribe", COMMON + ["email", "global_unsubscribe"], unsub_rows),
		]


def main(argv=None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--patients", type=int, required=True)
	parser.add_argument("--seed", type=int, default=42)
	args = parser.parse_args(argv)
	if args.site == "winback.test":
		sys.exit("winback.test is the development site: generate benchmark data on a bench site only.")
	frappe.init(args.site, sites_path=".")
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		generate(args.patients, args.seed)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
