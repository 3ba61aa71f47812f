"""Sending benchmark: N due SMS attempts through the dispatcher, Outbox vs Twilio (loopback), in one run.

Run (from the bench's sites directory, on a site of its own; never winback.test or winback-bench.test):
    cd /opt/frappe-bench/sites && ../env/bin/python /work/main/benchmarks/sending_bench.py \
        --site winback-send.test --attempts 100000
    # where the time goes (cProfile + SQL by statement shape), on a smaller run:
    ../env/bin/python /work/main/benchmarks/sending_bench.py --site winback-send.test --attempts 5000 --profile

Data (generated once, idempotent, reused; everything named "SBP-..." or in the campaign "Send Bench SMS"):
N patients inserted in bulk (tabPatient rows, then winback_app.contacts.phones.sync_stale()), each with one lapse and one
SMS attempt (winback_app.detection.writer.insert_lapses), one patient per attempt. Only fictional NANP numbers
"(NXX) 555-01xx" are used. There are only 100 such lines per area code and at most 792 NXX area codes (N11
excluded), so above ~79k patients some numbers are shared by two patients (as families share numbers); the
frequency caps are therefore switched off (max_messages_per_day/week = 0) so that none of the N is postponed.
The cap-counting queries still run: only the engine's comparison is skipped.

Before each mode the same N attempts are reset to Scheduled and due one minute ago (any other attempts of the
set are pushed a year out), their Communications deleted and the lapses' booking tokens cleared, so both modes
do exactly the same work up to the channel. Win-Back Settings: window 08:00-21:00 every day, patients in an
"Etc/GMT..." zone where it is midday now, messages_per_second 0 (unthrottled), Outbox or Twilio with fake
AC/MG SIDs. The Twilio mode uses the real twilio Client (channels_for(settings)) with client.api.base_url
pointed at benchmarks/twilio_loopback.py, which this script starts on 127.0.0.1 and stops at the end.

Measured per mode (one process): wall time of dispatch(), attempts/s, database calls per attempt (every
frappe.db.sql call, commits included, by wrapping frappe.db.sql) and the time inside them, time inside
channel.send(), RSS sampled every 0.2 s from /proc/self/status (peak, first and last 10% of the run: "flat"
means those two agree), VmHWM (reset per mode via /proc/self/clear_refs) and ru_maxrss. Afterwards it checks
that every attempt is Sent exactly once: Sent rows, distinct Communications and timeline links, provider ids,
and, for Twilio, the loopback server's request count and duplicate (To, Body) pairs. Goals are reported, not
asserted: Outbox >= 1,000/s, Twilio >= 250/s, RSS < 300 MB and flat.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import resource
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import frappe

PROTECTED_SITES = ("winback.test", "winback-bench.test")
PREFIX = "SBP-"
SEGMENT = "Send Bench SMS"
TEMPLATE = "{{ first_name }}, it's {{ practice_name }}: time to book {{ booking_link }} {{ opt_out_text }}"
ACCOUNT_SID = "AC" + "5e" * 16
SERVICE_SID = "MG" + "5e" * 16
AUTH_TOKEN = "bench-token-not-a-secret"
GOALS = {"Outbox": 1000, "Twilio": 250}
RSS_GOAL_MB = 300
FIRST = ("Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Harper")
LAST = ("Rivera", "Smith", "Nguyen", "Okafor", "Garcia", "Chen", "Patel", "Kim", "Lopez", "Novak")
HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------------------------
# data


def area_codes() -> list[str]:
	"""NXX area codes 201-989 without N11 whose 555-01xx numbers winback_app's normalize() accepts."""
	from winback_app.engine.phone import normalize

	codes = []
	for code in range(201, 990):
		s = str(code)
		if s[1:] == "11":
			continue
		if normalize(f"({s}) 555-0100", "US"):
			codes.append(s)
	return codes


def mobile(i: int, codes: list[str]) -> str:
	return f"({codes[(i // 100) % len(codes)]}) 555-01{i % 100:02d}"


def midday_zone() -> str:
	utc_hour = datetime.utcnow().hour
	offset = max(-12, min(14, 12 - utc_hour))
	return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def ensure_segment() -> str:
	if not frappe.db.exists("Campaign Segment", SEGMENT):
		frappe.get_doc(
			{
				"doctype": "Campaign Segment",
				"segment_name": SEGMENT,
				"rule_kind": "Recall Window",
				"priority": 90,
				"enabled": 1,
				"min_days": 180,
				"max_days": 270,
				"holdout_percent": 0,
				"fall_back_to_email": 0,
				"touches": [{"day_offset": 1, "channel": "SMS", "template": TEMPLATE}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
	return SEGMENT


def generate(n: int, chunk: int = 10_000) -> None:
	"""Make sure N bench patients exist, each with one lapse and one SMS attempt in SEGMENT. Idempotent."""
	from frappe.utils import add_days, getdate, now_datetime

	from winback_app.detection import writer
	from winback_app.engine.detection import Candidate, Entry, PatientFacts
	from winback_app.engine.phone import normalize
	from winback_app.contacts.phones import sync_stale
	from winback_app.segments import segment_spec
	from winback_app.settings import send_window

	if not frappe.db.get_single_value("Win-Back Settings", "sms_consent_policy"):
		# a campaign cannot be enabled before the practice chose who gets texts (configure() sets the same)
		frappe.db.set_single_value("Win-Back Settings", "sms_consent_policy", "Everyone not opted out")
	seg = ensure_segment()
	codes = area_codes()
	zone = midday_zone()
	have = frappe.db.count("Patient", {"name": ("like", f"{PREFIX}%")})
	gender = frappe.db.get_value("Gender", {}, "name")
	t0 = time.perf_counter()
	cols = [
		"name", "creation", "modified", "owner", "modified_by", "docstatus", "first_name", "last_name",
		"patient_name", "sex", "status", "mobile", "email", "winback_sms_consent", "winback_time_zone", "dob",
	]  # fmt: skip
	for start in range(have, n, chunk):
		now = now_datetime()
		rows = []
		for i in range(start, min(n, start + chunk)):
			first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
			rows.append(
				(
					f"{PREFIX}{i:07d}",
					now,
					now,
					"Administrator",
					"Administrator",
					0,
					first,
					last,
					f"{first} {last}",
					gender,
					"Active",
					mobile(i, codes),
					f"sbp{i}@example.com",
					"Unknown",
					zone,
					"1980-05-17",  # adults with a birth date (a site may keep patients of unknown age from texts)
				)  # fmt: skip
			)
		frappe.db.bulk_insert("Patient", cols, rows)
		frappe.db.commit()
		print(f"  patients {min(n, start + chunk):,}/{n:,}", file=sys.stderr, flush=True)
	if n > have:
		synced = sync_stale()
		frappe.db.commit()
		print(f"  sync_stale: {synced:,} phone rows refreshed", file=sys.stderr, flush=True)

	Lapse = frappe.qb.DocType("Patient Lapse")
	Patient = frappe.qb.DocType("Patient")
	missing = (
		frappe.qb.from_(Patient)
		.left_join(Lapse)
		.on((Lapse.patient == Patient.name) & (Lapse.segment == seg))
		.select(Patient.name, Patient.first_name, Patient.patient_name, Patient.mobile, Patient.email)
		.where(Patient.name.like(f"{PREFIX}%"))
		.where(Lapse.name.isnull())
		.orderby(Patient.name)
		.run()
	)
	spec = segment_spec(frappe.get_doc("Campaign Segment", seg))
	company = frappe.defaults.get_global_default("company")
	window = send_window()
	visit = add_days(getdate(), -200)
	for start in range(0, len(missing), chunk):
		part = missing[start : start + chunk]
		facts = {
			p: PatientFacts(p, first, full, mobile=normalize(m), email=e, time_zone=zone)
			for p, first, full, m, e in part
		}
		entries = [
			Entry(p, seg, Candidate(p, visit, company=company, last_visit=visit), False, "benchmark")
			for p, *_ in part
		]
		writer.insert_lapses(entries, facts, {seg: spec}, "sending-bench", zone, window)
		frappe.db.commit()
		print(f"  lapses {start + len(part):,}/{len(missing):,}", file=sys.stderr, flush=True)
	if n > have or missing:
		print(f"  generated in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


def dataset_size() -> int:
	return frappe.db.sql(
		"""select count(*) from `tabWin-Back Contact Attempt` a
		where a.segment = %s and a.patient like %s""",
		(SEGMENT, f"{PREFIX}%"),
	)[0][0]


# ---------------------------------------------------------------------------------------------------------
# state before each mode


TEXTS_IN_FLIGHT = [4]  # --texts-in-flight: Win-Back Settings > Texts in flight at once (the app's default: 4)
SAME_THREADS_FLOORS: list[tuple[float, float]] = []  # (floor with that many threads, ours) per Twilio round


def configure(mode: str, zone: str) -> None:
	doc = frappe.get_single("Win-Back Settings")
	doc.update(
		{
			"sending_mode": mode,
			"pause_sending": 0,
			"sms_consent_policy": "Everyone not opted out",
			"window_start": "08:00:00",
			"window_end": "21:00:00",
			**{
				f"send_on_{d}": 1
				for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
			},
			"messages_per_second": 0,
			"texts_in_flight": TEXTS_IN_FLIGHT[0],
			"max_messages_per_day": 0,
			"max_messages_per_week": 0,
			"practice_name": "Bright Smile Dental",
			"practice_phone": "(202) 555-0100",
			"public_base_url": "https://clinic.example.com",
			"default_region": "US",
			"request_timeout_seconds": 10,
			"twilio_account_sid": ACCOUNT_SID,
			"twilio_auth_token": AUTH_TOKEN,
			"twilio_messaging_service_sid": SERVICE_SID,
		}
	)
	doc.save(ignore_permissions=True)
	frappe.db.commit()


def reset(n: int, zone: str) -> str:
	"""The first n attempts of the set: Scheduled, due a minute ago, never sent. The rest: a year out.
	Returns the name of the n-th attempt (the selection is name <= it)."""
	names = frappe.db.sql(
		"""select name from `tabWin-Back Contact Attempt` where segment = %s and patient like %s
		order by name limit 1 offset %s""",
		(SEGMENT, f"{PREFIX}%", n - 1),
	)
	if not names:
		raise SystemExit(f"the data set has fewer than {n:,} attempts")
	last = names[0][0]
	now = frappe.utils.now_datetime()
	frappe.db.sql(
		"""delete l from `tabCommunication Link` l
		join `tabCommunication` c on c.name = l.parent
		join `tabPatient Lapse` p on p.name = c.reference_name
		where c.reference_doctype = 'Patient Lapse' and p.segment = %s""",
		(SEGMENT,),
	)
	frappe.db.sql(
		"""delete c from `tabCommunication` c
		join `tabPatient Lapse` p on p.name = c.reference_name
		where c.reference_doctype = 'Patient Lapse' and p.segment = %s""",
		(SEGMENT,),
	)
	frappe.db.sql(
		"""update `tabWin-Back Contact Attempt`
		set status = 'Scheduled', due_at = if(name <= %(last)s, %(due)s, %(later)s), tries = 0,
			claim_token = null, claimed_at = null, sent_at = null, to_address = null, provider = null,
			provider_id = null, communication = null, body = null, error_code = null, error_message = null,
			skip_reason = null, todo = null, modified = %(now)s
		where segment = %(seg)s and patient like %(prefix)s""",
		{
			"last": last,
			"due": now - timedelta(minutes=1),
			"later": now + timedelta(days=365),
			"now": now,
			"seg": SEGMENT,
			"prefix": f"{PREFIX}%",
		},
	)
	frappe.db.sql(
		"""update `tabPatient Lapse` set status = 'In Cadence', booking_token_hash = null,
		booking_token_encrypted = null, booking_token_expires = null, time_zone = %s
		where segment = %s""",
		(zone, SEGMENT),
	)
	frappe.db.sql(
		"update `tabPatient` set winback_time_zone = %s, dob = coalesce(dob, '1980-05-17') where name like %s",
		(zone, f"{PREFIX}%"),
	)
	frappe.db.commit()
	other = frappe.db.sql(
		"""select count(*) from `tabWin-Back Contact Attempt`
		where status = 'Scheduled' and due_at <= %s and not (segment = %s and patient like %s)""",
		(now, SEGMENT, f"{PREFIX}%"),
	)[0][0]
	if other:
		raise SystemExit(f"{other} other attempts are due on this site; the benchmark would send them too")
	return last


# ---------------------------------------------------------------------------------------------------------
# measurement


def normalize_sql(query: str) -> str:
	q = " ".join(str(query).split())
	q = re.sub(r"'(?:[^'\\]|\\.)*'", "?", q)
	q = re.sub(r"%\(\w+\)s|%s", "?", q)
	q = re.sub(r"\b\d+(?:\.\d+)?\b", "?", q)
	q = re.sub(r"\(\s*\?(?:\s*,\s*\?)+\s*\)", "(?,...)", q)
	q = re.sub(r"(?:\s*WHEN .*? THEN \?)+", " WHEN ... THEN ?", q)
	return q[:150]


class SqlMeter:
	"""Counts and times every frappe.db.sql call (qb .run(), get_value, bulk_insert, commit...)."""

	def __init__(self, by_shape: bool = False):
		self.count = 0
		self.commits = 0
		self.seconds = 0.0
		self.kinds: Counter = Counter()
		self.by_shape = by_shape
		self.shapes: dict[str, list] = defaultdict(lambda: [0, 0.0])
		self._original = None

	def install(self):
		db = frappe.db
		self._original = original = db.sql
		clock = time.perf_counter

		def sql(query, *args, **kwargs):
			start = clock()
			try:
				return original(query, *args, **kwargs)
			finally:
				spent = clock() - start
				self.count += 1
				self.seconds += spent
				text = str(query).lstrip()
				kind = text[:6].lower().split(" ")[0]
				self.kinds[kind] += 1
				if kind == "commit":
					self.commits += 1
				if self.by_shape:
					entry = self.shapes[normalize_sql(text)]
					entry[0] += 1
					entry[1] += spent

		db.sql = sql

	def uninstall(self):
		if self._original is not None:
			frappe.db.sql = self._original
			self._original = None


def vm(field: str) -> int:
	"""A /proc/self/status field in kB."""
	with open("/proc/self/status") as f:
		for line in f:
			if line.startswith(field + ":"):
				return int(line.split()[1])
	return 0


class RssSampler(threading.Thread):
	def __init__(self, progress, every: float = 0.2, report_every: float = 30.0):
		super().__init__(daemon=True)
		self.samples: list[tuple[float, int]] = []
		self.every, self.report_every, self.progress = every, report_every, progress
		self.done = threading.Event()

	def run(self):
		start = last_report = time.monotonic()
		while not self.done.is_set():
			now = time.monotonic()
			self.samples.append((now - start, vm("VmRSS")))
			if now - last_report >= self.report_every:
				last_report = now
				print(f"    {now - start:7.0f} s  {self.progress()}  RSS {self.samples[-1][1] / 1024:.0f} MB",
					file=sys.stderr, flush=True)  # fmt: skip
			self.done.wait(self.every)

	def stop(self):
		self.done.set()
		self.join()

	def summary(self) -> dict:
		kb = [s[1] for s in self.samples] or [0]
		tenth = max(1, len(kb) // 10)
		return {
			"rss_peak_mb": max(kb) / 1024,
			"rss_first10_mb": sum(kb[:tenth]) / tenth / 1024,
			"rss_last10_mb": sum(kb[-tenth:]) / tenth / 1024,
			"samples": len(kb),
		}


def reset_hwm() -> bool:
	try:
		with open("/proc/self/clear_refs", "w") as f:
			f.write("5")  # resets VmHWM (peak RSS) to the current RSS
		return True
	except OSError:
		return False


class Loopback:
	"""benchmarks/twilio_loopback.py in a child process (its own CPU, not our GIL)."""

	def __init__(self, latency_ms: float = 0):
		self.proc = subprocess.Popen(
			[
				sys.executable,
				str(HERE / "twilio_loopback.py"),
				"--max-seconds",
				"14400",
				"--latency-ms",
				str(latency_ms),
			],
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			text=True,
		)
		line = self.proc.stdout.readline()
		if not line.startswith("PORT "):
			raise RuntimeError(f"loopback server did not start: {line!r}")
		self.url = f"http://127.0.0.1:{int(line.split()[1])}"
		import requests

		self.http = requests.Session()

	def cpu_seconds(self) -> float:
		"""utime + stime of the server process, from /proc/<pid>/stat."""
		with open(f"/proc/{self.proc.pid}/stat") as f:
			fields = f.read().rsplit(")", 1)[1].split()
		return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

	def stats(self) -> dict:
		return self.http.get(self.url + "/__stats", timeout=5).json()

	def reset(self):
		self.http.post(self.url + "/__reset", timeout=5)

	def stop(self) -> None:
		try:
			self.http.post(self.url + "/__shutdown", timeout=5)
		except Exception:
			pass
		self.proc.stdin.close()  # and, should the request have failed, the closed stdin stops it too
		try:
			self.proc.wait(timeout=10)
		except subprocess.TimeoutExpired:
			self.proc.terminate()
			self.proc.wait(timeout=10)


def build_channels(mode: str, loopback: Loopback | None):
	from winback_app.sending.run import channels_for
	from winback_app.settings import get_settings

	channels = channels_for(get_settings())
	if mode == "Twilio":
		# Through the config, not one client: each sender thread builds its own client from it.
		from dataclasses import replace

		channels["SMS"].config = replace(channels["SMS"].config, base_url=loopback.url)
	return channels


def time_sends(channel) -> list:
	"""Wrap channel.send to add the time spent inside it to acc[0]."""
	acc = [0.0]
	send = channel.send
	clock = time.perf_counter

	def timed(message):
		start = clock()
		try:
			return send(message)
		finally:
			acc[0] += clock() - start

	channel.send = timed
	return acc


def run_mode(
	mode: str, n: int, chunk: int, loopback: Loopback | None, profile: bool = False, shapes: bool = False
) -> dict:
	from winback_app.sending.run import dispatch

	zone = midday_zone()
	configure(mode, zone)
	last = reset(n, zone)
	if loopback:
		loopback.reset()
	errors_before = frappe.db.count("Error Log")
	channels = build_channels(mode, loopback)
	send_seconds = time_sends(channels["SMS"])
	meter = SqlMeter(by_shape=profile or shapes)
	sampler = RssSampler(
		lambda: f"~{max(0, meter.commits - 2) // 2 * chunk:,} attempts done, {meter.count:,} queries"
	)
	reset_hwm()
	rss_before = vm("VmRSS")
	load_before = os.getloadavg()[0]
	cpu_before = resource.getrusage(resource.RUSAGE_SELF)
	server_cpu_before = loopback.cpu_seconds() if loopback else 0.0
	meter.install()
	sampler.start()
	profiler = cProfile.Profile() if profile else None
	started = time.perf_counter()
	try:
		if profiler:
			profiler.enable()
		totals = dispatch(chunk=chunk, time_budget=6 * 3600, channels=channels)
		if profiler:
			profiler.disable()
	finally:
		wall = time.perf_counter() - started
		cpu_after = resource.getrusage(resource.RUSAGE_SELF)
		meter.uninstall()
		sampler.stop()
	result = {
		"mode": mode,
		"n": n,
		"wall": wall,
		"rate": n / wall,
		"totals": totals,
		"queries": meter.count,
		"kinds": dict(meter.kinds),
		"sql_seconds": meter.seconds,
		"send_seconds": send_seconds[0],
		"rss_before_mb": rss_before / 1024,
		"cpu_seconds": (cpu_after.ru_utime - cpu_before.ru_utime)
		+ (cpu_after.ru_stime - cpu_before.ru_stime),
		"server_cpu_seconds": (loopback.cpu_seconds() - server_cpu_before) if loopback else 0.0,
		"load": (load_before, os.getloadavg()[0]),
		"hwm_mb": vm("VmHWM") / 1024,
		**sampler.summary(),
	}
	result["checks"] = verify(mode, n, last, errors_before, loopback)
	if profiler:
		result["profile"] = profiler
	if profile or shapes:
		result["shapes"] = meter.shapes
	return result


def verify(mode: str, n: int, last: str, errors_before: int, loopback: Loopback | None) -> dict:
	frappe.db.rollback()
	sel = "a.segment = %(seg)s and a.patient like %(prefix)s and a.name <= %(last)s"
	args = {"seg": SEGMENT, "prefix": f"{PREFIX}%", "last": last}
	statuses = dict(
		frappe.db.sql(
			f"select a.status, count(*) from `tabWin-Back Contact Attempt` a where {sel} group by a.status",
			args,
		)
	)
	sent, comms, providers, pids, bodies = frappe.db.sql(
		f"""select count(*), count(distinct a.communication), count(distinct a.provider),
			count(distinct a.provider_id), sum(a.body like '%%Bright Smile Dental%%' and a.body like '%%STOP%%')
		from `tabWin-Back Contact Attempt` a where {sel} and a.status = 'Sent'""",
		args,
	)[0]
	provider = frappe.db.sql(
		f"select distinct a.provider from `tabWin-Back Contact Attempt` a where {sel} and a.status = 'Sent'",
		args,
	)
	comm_rows, comm_distinct_lapses = frappe.db.sql(
		"""select count(*), count(distinct c.reference_name) from `tabCommunication` c
		join `tabPatient Lapse` p on p.name = c.reference_name
		where c.reference_doctype = 'Patient Lapse' and p.segment = %s""",
		(SEGMENT,),
	)[0]
	links = frappe.db.sql(
		"""select count(*) from `tabCommunication Link` l join `tabCommunication` c on c.name = l.parent
		join `tabPatient Lapse` p on p.name = c.reference_name
		where c.reference_doctype = 'Patient Lapse' and p.segment = %s and l.link_doctype = 'Patient'""",
		(SEGMENT,),
	)[0][0]
	tokens = frappe.db.sql(
		"select count(*) from `tabPatient Lapse` where segment = %s and booking_token_hash is not null",
		(SEGMENT,),
	)[0][0]
	checks = {
		"statuses": statuses,
		"sent": sent,
		"distinct_communications": comms,
		"communication_rows": comm_rows,
		"communication_lapses": comm_distinct_lapses,
		"timeline_links": links,
		"distinct_provider_ids": pids,
		"provider": ",".join(p[0] or "" for p in provider),
		"bodies_with_name_and_stop": int(bodies or 0),
		"booking_tokens": tokens,
		"error_logs": frappe.db.count("Error Log") - errors_before,
	}
	if loopback:
		checks["loopback"] = loopback.stats()
	ok = (
		sent == n
		and statuses == {"Sent": n}
		and comms == n
		and comm_rows == n
		and comm_distinct_lapses == n
		and links == n
		and checks["error_logs"] == 0
	)
	if mode == "Twilio":
		lb = checks["loopback"]
		ok = ok and pids == n and lb["requests"] == n and lb["created"] == n and lb["duplicate_bodies"] == 0
	checks["exactly_once"] = bool(ok)
	return checks


# ---------------------------------------------------------------------------------------------------------
# floors: what the same work costs with nothing of ours around it


def twilio_client_floor(loopback: Loopback, n: int, threads: int = 1) -> dict:
	"""twilio's Client alone against the same loopback server: the same request shape (To, Body, service SID,
	a status callback naming an attempt, a validity period), no database; one thread (issue 19's floor), or
	`threads` threads with a Client each (the floor at the dispatcher's own number of texts in flight)."""
	from twilio.rest import Client

	codes = area_codes()
	loopback.reset()

	def send(indices):
		client = Client(ACCOUNT_SID, AUTH_TOKEN)
		client.api.base_url = loopback.url
		for i in indices:
			client.messages.create(
				to=f"+1{codes[(i // 100) % len(codes)]}55501{i % 100:02d}",
				body=f"{FIRST[i % len(FIRST)]}, it's Bright Smile Dental: time to book https://clinic.example.com/book/"
				f"{i:016d} Reply STOP to opt out.",
				messaging_service_sid=SERVICE_SID,
				status_callback=f"https://clinic.example.com/api/method/winback_app.api.sms.status?attempt=WBA-{i:07d}",
				validity_period=36000,
			)

	started = time.perf_counter()
	if threads <= 1:
		send(range(n))
	else:
		workers = [threading.Thread(target=send, args=(range(t, n, threads),)) for t in range(threads)]
		for w in workers:
			w.start()
		for w in workers:
			w.join()
	wall = time.perf_counter() - started
	return {"n": n, "wall": wall, "rate": n / wall, "requests": loopback.stats()["requests"]}


def bare_writes_floor(n: int, chunk: int) -> dict:
	"""The Outbox path's database work, bare: per chunk, the SKIP LOCKED claim and its Sending update, commit;
	then the multi-row Communication, timeline link and result writes, commit. No rendering, no checks, no ORM,
	no query builder: raw parameterised statements, built once."""
	zone = midday_zone()
	last = reset(n, zone)
	now = frappe.utils.now_datetime()
	claim_sql = """select name, lapse, patient from `tabWin-Back Contact Attempt`
		where status = 'Scheduled' and due_at <= %s order by due_at, name limit %s for update skip locked"""
	comm_cols = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "subject",
		"communication_medium", "communication_type", "status", "sent_or_received", "communication_date",
		"content", "phone_no", "reference_doctype", "reference_name")  # fmt: skip
	link_cols = ("name", "creation", "modified", "owner", "modified_by", "docstatus", "parent", "parentfield",
		"parenttype", "idx", "link_doctype", "link_name")  # fmt: skip

	def multi(table, cols, rows, upsert=()):
		row = "(" + ", ".join(["%s"] * len(cols)) + ")"
		sql = f"insert into `{table}` ({', '.join(cols)}) values " + ", ".join([row] * len(rows))
		if upsert:
			sql += " on duplicate key update " + ", ".join(f"{c} = values({c})" for c in upsert)
		frappe.db.sql(sql, [v for r in rows for v in r])

	started = time.perf_counter()
	done = 0
	while True:
		due = frappe.db.sql(claim_sql, (now, chunk))
		if not due:
			frappe.db.commit()
			break
		names = [d[0] for d in due]
		frappe.db.sql(
			"update `tabWin-Back Contact Attempt` set status = 'Sending', claimed_at = %s where name in ("
			+ ", ".join(["%s"] * len(names))
			+ ")",
			[now, *names],
		)
		frappe.db.commit()
		stamp = frappe.utils.now_datetime()
		comms, links, results = [], [], []
		for name, lapse, patient in due:
			comm = f"SBF-{name}"
			body = f"Bright Smile Dental: time to book https://clinic.example.com/book/{name} Reply STOP to opt out."
			comms.append((comm, stamp, stamp, "Administrator", "Administrator", 0, "Text message", "SMS",
				"Communication", "Linked", "Sent", stamp, body, "+12015550100", "Patient Lapse", lapse))  # fmt: skip
			links.append((f"SBL-{name}", stamp, stamp, "Administrator", "Administrator", 0, comm,
				"timeline_links", "Communication", 1, "Patient", patient))  # fmt: skip
			results.append((name, "Sent", stamp, comm, body, "Outbox"))
		multi("tabCommunication", comm_cols, comms)
		multi("tabCommunication Link", link_cols, links)
		multi(
			"tabWin-Back Contact Attempt",
			("name", "status", "sent_at", "communication", "body", "provider"),
			results,
			upsert=("status", "sent_at", "communication", "body", "provider"),
		)
		frappe.db.commit()
		done += len(due)
	wall = time.perf_counter() - started
	sent = frappe.db.sql(
		"""select count(*) from `tabWin-Back Contact Attempt` where segment = %s and patient like %s
		and name <= %s and status = 'Sent'""",
		(SEGMENT, f"{PREFIX}%", last),
	)[0][0]
	reset(n, zone)  # leave the set as the modes found it
	return {"n": done, "wall": wall, "rate": done / wall, "sent": sent}


def remove_data() -> dict:
	"""Delete everything this benchmark generated on the site (patients SBP-..., their phone rows, lapses,
	attempts, Communications and links, the campaign)."""
	counts = {}
	for label, sql in (
		("links", """delete l from `tabCommunication Link` l join `tabCommunication` c on c.name = l.parent
			join `tabPatient Lapse` p on p.name = c.reference_name
			where c.reference_doctype = 'Patient Lapse' and p.segment = %(seg)s"""),
		("communications", """delete c from `tabCommunication` c join `tabPatient Lapse` p
			on p.name = c.reference_name where c.reference_doctype = 'Patient Lapse' and p.segment = %(seg)s"""),
		("attempts", "delete from `tabWin-Back Contact Attempt` where segment = %(seg)s"),
		("lapses", "delete from `tabPatient Lapse` where segment = %(seg)s"),
		("phones", "delete from `tabWin-Back Patient Phone` where patient like %(prefix)s"),
		("patients", "delete from `tabPatient` where name like %(prefix)s"),
	):  # fmt: skip
		frappe.db.sql(sql, {"seg": SEGMENT, "prefix": f"{PREFIX}%"})
		counts[label] = frappe.db._cursor.rowcount
		frappe.db.commit()
	if frappe.db.exists("Campaign Segment", SEGMENT):
		frappe.delete_doc("Campaign Segment", SEGMENT, force=True, ignore_permissions=True)
	frappe.db.commit()
	return counts


# ---------------------------------------------------------------------------------------------------------
# report


def table(results: list[dict]) -> str:
	def row(label, fmt):
		return [label] + [fmt(r) for r in results]

	def goal_ratio(r):
		goal = GOALS.get(r["mode"])
		return f"{r['rate'] / goal:.2f}x of {goal:,}/s" if goal else ""

	def rss_verdict(r):
		flat = r["rss_last10_mb"] - r["rss_first10_mb"]
		return f"{'OK' if r['rss_peak_mb'] < RSS_GOAL_MB else 'OVER'} (last-first 10%: {flat:+.1f} MB)"

	def kinds(r):
		k = r["kinds"]
		return " ".join(
			f"{name[:3]} {k.get(name, 0) / r['n']:.2f}" for name in ("select", "update", "insert", "commit")
		)

	lb = lambda r: r["checks"].get("loopback")  # noqa: E731
	rows = [
		row("attempts due", lambda r: f"{r['n']:,}"),
		row(
			"sent (dispatch totals)",
			lambda r: f"{r['totals'].get('Sent', 0):,} (claimed {r['totals'].get('claimed', 0):,})",
		),
		row("wall time", lambda r: f"{r['wall']:.1f} s"),
		row("attempts / s", lambda r: f"{r['rate']:,.0f}"),
		row("  vs goal", goal_ratio),
		row("ms / attempt", lambda r: f"{1000 * r['wall'] / r['n']:.2f}"),
		row(
			"  in SQL calls",
			lambda r: f"{1000 * r['sql_seconds'] / r['n']:.2f} ({100 * r['sql_seconds'] / r['wall']:.0f}%)",
		),
		row(
			# with texts in flight the sender threads' times add up past the wall time: per thread, not a share
			"  in channel.send"
			+ (f" (sum of {TEXTS_IN_FLIGHT[0]} threads)" if TEXTS_IN_FLIGHT[0] > 1 else ""),
			lambda r: (
				f"{1000 * r['send_seconds'] / r['n']:.2f}"
				+ (
					""
					if TEXTS_IN_FLIGHT[0] > 1 and r["mode"] == "Twilio"
					else f" ({100 * r['send_seconds'] / r['wall']:.0f}%)"
				)
			),
		),
		row(
			"  other Python",
			lambda r: (
				"-"
				if TEXTS_IN_FLIGHT[0] > 1 and r["mode"] == "Twilio"
				else f"{1000 * (r['wall'] - r['sql_seconds'] - r['send_seconds']) / r['n']:.2f}"
			),
		),
		row(
			"CPU ms / attempt: bench",
			lambda r: (
				f"{1000 * r['cpu_seconds'] / r['n']:.2f} ({100 * r['cpu_seconds'] / r['wall']:.0f}% of a core)"
			),
		),
		row(
			"  loopback server",
			lambda r: f"{1000 * r['server_cpu_seconds'] / r['n']:.2f}" if r["server_cpu_seconds"] else "-",
		),
		row("load avg 1m start/end", lambda r: f"{r['load'][0]:.1f} / {r['load'][1]:.1f}"),
		row("DB queries / attempt", lambda r: f"{r['queries'] / r['n']:.2f} ({r['queries']:,})"),
		row("  sel/upd/ins/commit", kinds),
		row("RSS peak (sampled)", lambda r: f"{r['rss_peak_mb']:.0f} MB"),
		row("RSS first/last 10%", lambda r: f"{r['rss_first10_mb']:.0f} / {r['rss_last10_mb']:.0f} MB"),
		row("  vs goal < 300 MB", rss_verdict),
		row("VmHWM (reset per mode)", lambda r: f"{r['hwm_mb']:.0f} MB"),
		row(
			"Sent rows / Comms / links",
			lambda r: (
				f"{r['checks']['sent']:,} / {r['checks']['communication_rows']:,} / {r['checks']['timeline_links']:,}"
			),
		),
		row(
			"distinct provider ids",
			lambda r: f"{r['checks']['distinct_provider_ids']:,} ({r['checks']['provider']})",
		),
		row(
			"loopback POSTs / dup",
			lambda r: f"{lb(r)['requests']:,} / {lb(r)['duplicate_bodies']}" if lb(r) else "-",
		),
		row("Error Log rows added", lambda r: str(r["checks"]["error_logs"])),
		row("exactly once", lambda r: "yes" if r["checks"]["exactly_once"] else "NO"),
	]
	width0 = max(len(r[0]) for r in rows) + 2
	widths = [max(len(r[i]) for r in rows) + 2 for i in range(1, len(results) + 1)]
	head = "".ljust(width0) + "".join(
		(f"{r['mode']}" + (" (loopback)" if r["mode"] == "Twilio" else "")).ljust(w)
		for r, w in zip(results, widths)
	)
	lines = [head.rstrip(), "-" * len(head.rstrip())]
	lines += [
		"".join([r[0].ljust(width0)] + [c.ljust(w) for c, w in zip(r[1:], widths)]).rstrip() for r in rows
	]
	return "\n".join(lines)


FLOORS = {
	"Outbox": ("bare multi-row writes", 0.5),  # issue 19: Outbox >= 0.5x the same rows written bare
	"Twilio": ("twilio Client alone", 0.6),  # issue 19: Twilio mode >= 0.6x the client alone, same loopback
}


def measure_floor(mode: str, n: int, chunk: int, loopback) -> float:
	if mode == "Outbox":
		configure("Outbox", midday_zone())
		floor = bare_writes_floor(n, chunk)
		if floor["sent"] != n:
			raise SystemExit(f"the bare-writes floor sent {floor['sent']:,} of {n:,}")
	else:
		floor = twilio_client_floor(loopback, n)
		if floor["requests"] != n:
			raise SystemExit(f"the client floor made {floor['requests']:,} POSTs for {n:,}")
		if TEXTS_IN_FLIGHT[0] > 1:
			same = twilio_client_floor(loopback, n, threads=TEXTS_IN_FLIGHT[0])
			SAME_THREADS_FLOORS.append((same["rate"], floor["rate"]))
			print(
				f"  floor for Twilio with {TEXTS_IN_FLIGHT[0]} threads: {same['rate']:,.0f}/s",
				file=sys.stderr,
				flush=True,
			)
	print(
		f"  floor for {mode}: {floor['rate']:,.0f}/s ({n:,} in {floor['wall']:.1f} s)",
		file=sys.stderr,
		flush=True,
	)
	return floor["rate"]


def ratio_table(rounds: list[dict], modes: list[str], args, floor_n: int) -> str:
	"""Ours against its floor, measured back to back in each round (the order alternating): medians."""
	import statistics

	lines = [
		f"\nours vs the floor, same run: {len(rounds)} round(s), ours {args.attempts:,} and floor {floor_n:,} "
		"attempts each, back to back, order alternating; medians",
		f"  {'mode':<8}{'floor':<24}{'floor /s':>10}{'ours /s':>10}{'ratio':>8}  {'per round':<22}{'goal':<8}"
		f"{'load 1m':<16}verdict",
	]
	for mode in modes:
		per = [r[mode] for r in rounds if mode in r and r[mode][1]]
		if not per:
			continue
		label, goal = FLOORS[mode]
		ours = statistics.median(p[0] for p in per)
		floor = statistics.median(p[1] for p in per)
		ratios = [p[0] / p[1] for p in per]
		ratio = statistics.median(ratios)
		loads = [p[2] for p in per]
		once = all(p[3] for p in per)
		lines.append(
			f"  {mode:<8}{label:<24}{floor:>10,.0f}{ours:>10,.0f}{ratio:>7.2f}x  "
			f"{' '.join(f'{x:.2f}' for x in ratios):<22}{'>= ' + str(goal) + 'x':<8}"
			f"{min(loads):.1f}-{max(loads):<12.1f}"
			f"{('met' if ratio >= goal else 'NOT met') if once else 'not measured'}"
			f"{'' if once else ', exactly once FAILED'}"
		)
		if mode == "Twilio" and SAME_THREADS_FLOORS:
			threaded = statistics.median(s for s, _one in SAME_THREADS_FLOORS)
			lines.append(
				f"  (Twilio mode ran {TEXTS_IN_FLIGHT[0]} texts in flight; the client alone with "
				f"{TEXTS_IN_FLIGHT[0]} threads: {threaded:,.0f}/s, ours {ours / threaded:.2f}x of that)"
			)
	return "\n".join(lines)


def print_shapes(r: dict, top: int = 25) -> None:
	n = r["n"]
	print(f"\n=== SQL by statement shape: {r['mode']}, {n:,} attempts, {r['wall']:.1f} s (no profiler) ===")
	shapes = sorted(r["shapes"].items(), key=lambda kv: -kv[1][1])
	print(f"  {'calls/att':>9} {'ms/att':>7} {'ms/call':>7}  statement")
	for shape, (calls, seconds) in shapes[:top]:
		print(f"  {calls / n:9.3f} {1000 * seconds / n:7.3f} {1000 * seconds / calls:7.3f}  {shape}")


def print_profile(r: dict, top: int = 25) -> None:
	n = r["n"]
	print(f"\n=== profile: {r['mode']}, {n:,} attempts, {r['wall']:.1f} s under cProfile ===")
	shapes = sorted(r["shapes"].items(), key=lambda kv: -kv[1][1])
	print(f"SQL by statement shape (top {top} by total time; per attempt):")
	print(f"  {'calls/att':>9} {'ms/att':>7} {'ms/call':>7}  statement")
	for shape, (calls, seconds) in shapes[:top]:
		print(f"  {calls / n:9.3f} {1000 * seconds / n:7.3f} {1000 * seconds / calls:7.3f}  {shape}")
	out = io.StringIO()
	stats = pstats.Stats(r["profile"], stream=out)
	stats.sort_stats("tottime").print_stats(top)
	stats.sort_stats("cumulative").print_stats(
		r"winback_app|twilio/|requests/|frappe/(utils/password|database|query_builder)", top
	)
	print(out.getvalue())


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--attempts", type=int, default=100_000)
	parser.add_argument("--chunk", type=int, default=200, help="dispatch() chunk (the app's default: 200)")
	parser.add_argument("--modes", default="Outbox,Twilio")
	parser.add_argument("--profile", action="store_true", help="cProfile + SQL by shape (slower)")
	parser.add_argument("--shapes", action="store_true", help="SQL time by statement shape, no profiler")
	parser.add_argument("--generate-only", action="store_true")
	parser.add_argument("--json", help="also write the results here")
	parser.add_argument(
		"--floors",
		type=int,
		default=-1,
		help="also measure the floors on this many attempts (default: the same N; 0: skip)",
	)
	parser.add_argument("--remove", action="store_true", help="delete the generated data set and stop")
	parser.add_argument(
		"--latency-ms",
		type=float,
		default=0,
		help="the loopback answers each message this late, like Twilio's 100-300 ms (default 0: CPU cost alone)",
	)
	parser.add_argument(
		"--texts-in-flight",
		type=int,
		default=4,
		help="Win-Back Settings > Texts in flight at once for the Twilio mode (the app's default: 4)",
	)
	parser.add_argument(
		"--rounds",
		type=int,
		default=3,
		help="rounds of (ours, floor) per mode, order alternating; the ratios are medians (default 3)",
	)
	args = parser.parse_args()
	TEXTS_IN_FLIGHT[0] = max(1, args.texts_in_flight)
	if args.site in PROTECTED_SITES:
		raise SystemExit(f"{args.site} belongs to other work; use a site of its own (winback-send.test)")

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	if "winback_app" not in frappe.get_installed_apps():
		raise SystemExit(f"winback_app is not installed on {args.site}")
	if args.generate_only:
		generate(args.attempts)
		return
	if args.remove:
		print(f"removed: {remove_data()}")
		frappe.destroy()
		return
	if dataset_size() < args.attempts:
		# In a child process, so the timed runs start from a process that never held 100k generated rows.
		print(f"generating {args.attempts:,} patients / lapses / attempts ...", file=sys.stderr, flush=True)
		subprocess.run(
			[
				sys.executable,
				__file__,
				"--site",
				args.site,
				"--attempts",
				str(args.attempts),
				"--generate-only",
			],
			check=True,
		)
		frappe.db.rollback()  # a fresh snapshot: see what the child committed
	size = dataset_size()
	modes = [m.strip() for m in args.modes.split(",") if m.strip()]
	floor_n = args.attempts if args.floors < 0 else args.floors
	loopback = Loopback(args.latency_ms) if ("Twilio" in modes or floor_n) else None
	results = []  # the last round's full results, one per mode (the detailed table)
	rounds: list[dict] = []  # per round: {mode: (ours rate, floor rate, load 1m)}
	try:
		for rnd in range(args.rounds):
			this = {}
			for mode in modes:
				floor_first = bool(rnd % 2)  # alternate which goes first, so a load trend hits both alike
				floor_rate = None
				if floor_n and floor_first:
					floor_rate = measure_floor(mode, floor_n, args.chunk, loopback)
				print(
					f"round {rnd + 1}/{args.rounds} {mode}: dispatching {args.attempts:,} due attempts (set of {size:,}) ...",
					file=sys.stderr,
					flush=True,
				)
				r = run_mode(
					mode, args.attempts, args.chunk, loopback, profile=args.profile, shapes=args.shapes
				)
				if floor_n and not floor_first:
					floor_rate = measure_floor(mode, floor_n, args.chunk, loopback)
				print(
					f"round {rnd + 1} {mode}: {r['rate']:,.0f} attempts/s, floor {floor_rate or 0:,.0f}/s, "
					f"exactly once: {r['checks']['exactly_once']}, load {os.getloadavg()[0]:.1f}",
					file=sys.stderr,
					flush=True,
				)
				this[mode] = (r["rate"], floor_rate, os.getloadavg()[0], r["checks"]["exactly_once"])
				if rnd == args.rounds - 1:
					results.append(r)
			rounds.append(this)
	finally:
		if loopback:
			loopback.stop()
		configure("Outbox", midday_zone())  # never leave the site in Twilio mode

	when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
	print(f"\nSending benchmark, site {args.site}, {when}, {os.cpu_count()} CPUs, chunk {args.chunk}"
		f"{', UNDER cProfile' if args.profile else ''}; detailed table: the last of {args.rounds} round(s)")  # fmt: skip
	print(table(results))
	print(
		f"process ru_maxrss (both modes, whole process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
	)
	if floor_n:
		print(ratio_table(rounds, modes, args, floor_n))
	for r in results:
		if r["checks"]["exactly_once"]:
			continue
		print(f"{r['mode']} checks: {json.dumps(r['checks'], default=str)}")
	if args.profile:
		for r in results:
			print_profile(r)
	elif args.shapes:
		for r in results:
			print_shapes(r)
	if args.json:
		Path(args.json).write_text(
			json.dumps(
				[{k: v for k, v in r.items() if k not in ("profile", "shapes")} for r in results],
				default=str,
				indent=1,
			)
		)
	frappe.destroy()


if __name__ == "__main__":
	main()
