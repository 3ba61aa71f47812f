"""Inbound SMS webhook throughput on loopback, through a real web server (gunicorn serving frappe.app).

Run from the bench's sites folder:
    ../env/bin/python /work/main/benchmarks/webhook_bench.py --site SITE [--requests 2000] [--clients 8] [--workers 4]

It configures Twilio credentials on the site (fake SID/token, public address http://bench.invalid), creates
patients with lapses to reply to (fictional (NXX) 555-01xx numbers), starts gunicorn on a free loopback port,
and fires signed form posts the way Twilio does from several client threads. Printed: requests/second,
p50/p95/p99 latency, status codes, and rows written per request; then it removes what it wrote.
Bodies are a realistic mix: questions (pause + assign a person), "yes" (booking link), "later", STOP; with
--mix replies (the default) also a question the practice's answers cover, a clinical text, a bill and a complaint
(triage, routing by category, the FAQ matcher). The shipped example answers are enabled for the run (opening
hours, address, phone, parking), so every question is matched against them; --mix classic sends only the first
five bodies, as the earlier runs did.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

BODIES = ("Do you take Delta Dental?", "Yes please", "maybe later", "Can I come Saturday?", "STOP")
# Issue 14: triage, routing by category and answers to common questions in the mix.
REPLY_BODIES = (
	*BODIES,
	"What are your hours?",
	"Yes, my tooth really hurts when I chew",
	"I was charged twice for my last cleaning",
	"Is parking available?",
	"Your front desk was rude to me",
)
ANSWER_TITLE = "Bench: "  # the example answers this run enables, removed afterwards
TOKEN = "bench-auth-token"
SID = "AC" + "b" * 32
BASE = "https://bench.invalid"  # settings accept only an https public address
PATH = "/api/method/winback_app.api.sms.inbound"


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def choose_consent_policy(frappe) -> None:
	"""Win-Back Settings cannot be saved before the practice chose who gets texts (a new site has no choice yet):
	the benchmark's fictional patients are texted as a practice that texts everyone not opted out would."""
	if not frappe.db.get_single_value("Win-Back Settings", "sms_consent_policy"):
		frappe.db.set_single_value("Win-Back Settings", "sms_consent_policy", "Everyone not opted out")


def prepare(site: str, patients: int) -> list[str]:
	from twilio.request_validator import RequestValidator  # noqa: F401  (fail early if twilio is missing)

	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	choose_consent_policy(frappe)
	settings = frappe.get_single("Win-Back Settings")
	settings.update(
		{
			"sending_mode": "Twilio",
			"twilio_account_sid": SID,
			"twilio_auth_token": TOKEN,
			"twilio_messaging_service_sid": "MG" + "c" * 32,
			"public_base_url": BASE,
			"practice_phone": settings.practice_phone or "(202) 555-0100",
			"practice_hours": settings.get("practice_hours") or "Mon-Fri 8am-5pm",
		}
	)
	settings.save(ignore_permissions=True)
	from winback_app.engine.faq import example_answers

	for example in example_answers(
		practice_name=settings.practice_name,
		practice_phone=settings.practice_phone,
		practice_address=settings.practice_address or "1 Main St, Springfield",
		hours=settings.practice_hours,
		parking="Free parking behind the building.",
	):
		frappe.get_doc(
			{
				"doctype": "Win-Back Answer",
				"title": ANSWER_TITLE + example.title,
				"question": example.question,
				"answer": example.answer,
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
	from frappe.utils import now_datetime

	from winback_app.contacts.phones import sync_stale

	now = now_datetime()
	names, numbers = [], []
	gender = frappe.db.get_value("Gender", {}, "name")
	rows = []
	for i in range(patients):
		name = f"WHBENCH-{i:05d}"
		number = f"({('601', '612', '614', '615', '616')[i // 100 % 5]}) 555-01{i % 100:02d}"
		names.append(name)
		rows.append(
			(
				name,
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				"Bench",
				f"Bench {i}",
				gender,
				"Active",
				number,
			)
		)
	frappe.db.bulk_insert(
		"Patient",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"first_name",
			"patient_name",
			"sex",
			"status",
			"mobile",
		],
		rows,
		ignore_duplicates=True,
	)
	sync_stale()
	numbers = frappe.get_all(
		"Win-Back Patient Phone", {"patient": ("in", names), "source": "Mobile"}, pluck="phone"
	)
	frappe.db.commit()
	frappe.destroy()
	return numbers


def cleanup(site: str, numbers: list[str]) -> dict:
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	replies = frappe.get_all("Win-Back SMS Reply", {"from_number": ("in", numbers)}, pluck="name")
	comms = frappe.get_all("Communication", {"phone_no": ("in", numbers)}, pluck="name")
	todos = frappe.get_all(
		"ToDo",
		{"reference_type": "Win-Back SMS Reply", "reference_name": ("in", replies or [""])},
		pluck="name",
	)
	counts = {
		"replies": len(replies),
		"communications": len(comms),
		"todos": len(todos),
		"answered from the FAQ": frappe.db.count(
			"Win-Back SMS Reply", {"name": ("in", replies or [""]), "category": "FAQ"}
		),
		"urgent or clinical": frappe.db.count(
			"Win-Back SMS Reply",
			{"name": ("in", replies or [""]), "category": ("in", ("Urgent", "Clinical"))},
		),
	}
	for doctype, field, values in (
		("ToDo", "name", todos),
		("Notification Log", "document_name", replies),
		("Communication Link", "parent", comms),
		("Communication", "name", comms),
		("Win-Back SMS Reply", "name", replies),
		("Win-Back SMS Opt-Out", "name", numbers),
		("Win-Back Patient Phone", "phone", numbers),
		("Patient", "name", [f"WHBENCH-{i:05d}" for i in range(len(numbers))]),
	):
		if values:
			frappe.db.delete(doctype, {field: ("in", values)})
	# after the replies that name them as a suggestion
	frappe.db.delete("Win-Back Answer", {"title": ("like", ANSWER_TITLE + "%")})
	from winback_app.replies.faq_answers import clear_cache

	clear_cache()
	frappe.db.commit()
	frappe.destroy()
	return counts


def start_gunicorn(site: str, workers: int, threads: int) -> tuple[subprocess.Popen, int]:
	"""gunicorn as bench's production config runs it (sync workers, --preload), unless threads are asked for."""
	port = free_port()
	gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
	shape = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else []
	server = subprocess.Popen(
		[gunicorn, "-b", f"127.0.0.1:{port}", "-w", str(workers), *shape, "-t", "120", "--preload"]
		+ ["frappe.app:application"],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	deadline = time.monotonic() + 60
	while True:
		try:
			connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
			connection.request("GET", "/api/method/ping", headers={"X-Frappe-Site-Name": site})
			if connection.getresponse().status == 200:
				return server, port
		except OSError:
			pass
		if time.monotonic() > deadline:
			server.terminate()
			raise SystemExit("server did not start")
		time.sleep(0.5)


def start_worker(site: str) -> subprocess.Popen:
	"""A background worker on the short queue: it assigns the replies that need a person (ToDo, notification)."""
	return subprocess.Popen(
		[
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			site,
			"worker",
			"--queue",
			"short",
		],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)


def signed_requests(
	site: str, numbers: list[str], count: int, offset: int, bodies: tuple[str, ...] = REPLY_BODIES
) -> list[tuple[str, bytes, dict]]:
	"""Twilio-shaped signed form posts, prepared before the clock starts so the client costs the server little."""
	from twilio.request_validator import RequestValidator

	validator = RequestValidator(TOKEN)
	stamp = int(time.time())
	prepared = []
	for i in range(offset, offset + count):
		params = {
			"MessageSid": f"SMBENCH{i:08d}{stamp}",
			"From": numbers[i % len(numbers)],
			"To": "+12025550100",
			"Body": bodies[i % len(bodies)],
			"NumMedia": "0",
		}
		headers = {
			"X-Frappe-Site-Name": site,
			"X-Twilio-Signature": validator.compute_signature(BASE + PATH, params),
			"Content-Type": "application/x-www-form-urlencoded",
		}
		prepared.append((PATH, urllib.parse.urlencode(params).encode(), headers))
	return prepared


def fire(port: int, prepared: list[tuple[str, bytes | None, dict]], clients: int) -> dict:
	"""Send every request once from `clients` threads; returns wall time, latencies and status counts."""
	latencies: list[float] = []
	statuses: dict[int, int] = {}
	lock = threading.Lock()

	def one(request):
		path, data, headers = request
		started = time.perf_counter()
		connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
		connection.request("POST" if data else "GET", path, body=data, headers=headers)
		response = connection.getresponse()
		response.read()
		connection.close()
		elapsed = time.perf_counter() - started
		with lock:
			latencies.append(elapsed)
			statuses[response.status] = statuses.get(response.status, 0) + 1

	started = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		list(pool.map(one, prepared))
	wall = time.perf_counter() - started
	q = statistics.quantiles(latencies, n=100)
	return {"rps": len(prepared) / wall, "p50": q[49], "p95": q[94], "p99": q[98], "statuses": statuses}


def assignment_lag(site: str, numbers: list[str], timeout: float = 120) -> dict:
	"""How long after the reply was received its ToDo existed: waits for the worker to drain the queue."""
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		deadline = time.monotonic() + timeout
		while True:
			frappe.db.rollback()  # a fresh snapshot each look
			rows = frappe.db.sql(
				"""select r.name, timestampdiff(microsecond, r.received_on, min(t.creation)) / 1e6
				from `tabWin-Back SMS Reply` r left join `tabToDo` t
				  on t.reference_type = 'Win-Back SMS Reply' and t.reference_name = r.name
				where r.needs_person = 1 and r.from_number in %(numbers)s
				group by r.name""",
				{"numbers": numbers},
			)
			waiting = sum(1 for _name, lag in rows if lag is None)
			if not waiting or time.monotonic() > deadline:
				break
			time.sleep(1)
		lags = sorted(lag for _name, lag in rows if lag is not None)
		q = statistics.quantiles(lags, n=100) if len(lags) > 1 else [0.0] * 99
		return {
			"assigned": len(lags),
			"waiting": waiting,
			"p50": q[49],
			"p99": q[98],
			"max": lags[-1] if lags else 0,
		}
	finally:
		frappe.destroy()


def report(label: str, r: dict, goal: bool = False) -> None:
	print(
		f"  {label:<34} {r['rps']:7.1f} req/s   p50 {r['p50'] * 1000:6.1f} ms   p95 {r['p95'] * 1000:6.1f} ms"
		f"   p99 {r['p99'] * 1000:6.1f} ms   {r['statuses']}"
		+ ("   (goal >= 200 req/s, p99 < 100 ms)" if goal else "")
	)


def profile(site: str, prepared: list[tuple[str, bytes | None, dict]], top: int = 35) -> None:
	"""The same requests through frappe.app.application in this process, under cProfile (no web server)."""
	import cProfile
	import pstats

	from werkzeug.test import EnvironBuilder

	os.environ["FRAPPE_SITE"] = site  # noqa: SIM112 (frappe's own variable)
	from frappe.app import application

	def call(request):
		path, data, headers = request
		environ = EnvironBuilder(
			path=path, method="POST" if data else "GET", data=data, headers=headers
		).get_environ()
		body = application(environ, lambda status, headers, exc_info=None: None)
		b"".join(body)

	for request in prepared[:20]:
		call(request)
	profiler = cProfile.Profile()
	started = time.perf_counter()
	profiler.enable()
	for request in prepared[20:]:
		call(request)
	profiler.disable()
	n = len(prepared) - 20
	print(f"{n} requests in process: {(time.perf_counter() - started) / n * 1000:.1f} ms each under cProfile")
	pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--requests", type=int, default=2000)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument(
		"--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="bench: 2 x cores + 1"
	)
	parser.add_argument("--threads", type=int, default=1, help="> 1: gthread workers")
	parser.add_argument(
		"--rounds", type=int, default=3, help="rounds of (ping, ours), order alternating; medians (default 3)"
	)
	parser.add_argument("--profile", action="store_true", help="profile the requests in process instead")
	parser.add_argument(
		"--mix", choices=("replies", "classic"), default="replies", help="classic: the first five bodies only"
	)
	args = parser.parse_args()
	bodies = REPLY_BODIES if args.mix == "replies" else BODIES

	numbers = prepare(args.site, max(100, args.requests // 5))
	if args.profile:
		ping = [("/api/method/ping", None, {"X-Frappe-Site-Name": args.site})] * args.requests
		try:
			profile(args.site, ping, top=25)
			profile(args.site, signed_requests(args.site, numbers, args.requests, 0, bodies))
		finally:
			cleanup(args.site, numbers)
		return
	warm = signed_requests(args.site, numbers, min(50, args.requests), 10_000_000, bodies)
	rounds = [
		signed_requests(args.site, numbers, args.requests, i * args.requests, bodies)
		for i in range(args.rounds)
	]
	ping = [("/api/method/ping", None, {"X-Frappe-Site-Name": args.site})] * args.requests
	server, port = start_gunicorn(args.site, args.workers, args.threads)
	worker = start_worker(args.site)
	floors, ourses, loads = [], [], []
	try:
		fire(port, warm, args.clients)  # warm the workers' caches
		fire(port, ping[:50], args.clients)
		for i, timed in enumerate(rounds):
			# ping and ours back to back, the order swapped each round, so a load trend hits both alike
			if i % 2 == 0:
				floors.append(fire(port, ping, args.clients))
				ourses.append(fire(port, timed, args.clients))
			else:
				ourses.append(fire(port, timed, args.clients))
				floors.append(fire(port, ping, args.clients))
			loads.append(os.getloadavg()[0])
		lag = assignment_lag(args.site, numbers)
	finally:
		server.terminate()
		worker.terminate()
		server.wait(timeout=20)
		worker.wait(timeout=20)

	written = cleanup(args.site, numbers)
	shape = (
		f"{args.workers} sync workers"
		if args.threads == 1
		else f"{args.workers} workers x {args.threads} threads"
	)
	print(
		f"inbound webhook, {args.requests} requests each x {args.rounds} round(s) ({args.mix} mix: {len(bodies)} bodies), "
		f"{args.clients} client threads, gunicorn {shape} --preload, {os.cpu_count()} cores, one short-queue worker running"
	)
	for i, (floor, ours) in enumerate(zip(floors, ourses, strict=True)):
		report(f"round {i + 1}: frappe's ping (floor)", floor)
		report(f"round {i + 1}: signed webhook (ours)", ours)
	rps = [o["rps"] / f["rps"] for f, o in zip(floors, ourses, strict=True)]
	p99 = [o["p99"] / f["p99"] for f, o in zip(floors, ourses, strict=True)]
	med = statistics.median
	print("ours vs the floor, same run (medians of the rounds)")
	print(
		f"  throughput   ping {med(f['rps'] for f in floors):7.1f} req/s   ours {med(o['rps'] for o in ourses):7.1f} req/s"
		f"   ratio {med(rps):.2f}x ({' '.join(f'{x:.2f}' for x in rps)})   goal >= 0.5x   {'met' if med(rps) >= 0.5 else 'NOT met'}"
	)
	print(
		f"  p50          ping {med(f['p50'] for f in floors) * 1000:7.1f} ms      ours {med(o['p50'] for o in ourses) * 1000:7.1f} ms"
	)
	print(
		f"  p99          ping {med(f['p99'] for f in floors) * 1000:7.1f} ms      ours {med(o['p99'] for o in ourses) * 1000:7.1f} ms"
		f"      ratio {med(p99):.2f}x ({' '.join(f'{x:.2f}' for x in p99)})   goal <= 2x    {'met' if med(p99) <= 2 else 'NOT met'}"
	)
	print(f"  load average (1 min) after each round: {' '.join(f'{x:.1f}' for x in loads)}")
	print(
		f"  reply -> ToDo (worker)             p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s, max {lag['max']:.2f} s"
		f" ({lag['assigned']} assigned, {lag['waiting']} still waiting)"
	)
	print(f"  rows written    {written} (cleaned up)")


if __name__ == "__main__":
	main()
