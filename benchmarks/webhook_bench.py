"""Inbound SMS webhook throughput on loopback, through a real web server (gunicorn serving frappe.app).

Run from the bench's sites folder:
    ../env/bin/python /work/main/benchmarks/webhook_bench.py --site SITE [--requests 2000] [--clients 8] [--workers 4]

It configures Twilio credentials on the site (fake SID/token, public address http://bench.invalid), creates
patients with lapses to reply to (fictional (NXX) 555-01xx numbers), starts gunicorn on a free loopback port,
and fires signed form posts the way Twilio does from several client threads. Printed: requests/second,
p50/p95/p99 latency, status codes, and rows written per request; then it removes what it wrote.
Bodies are a realistic mix: questions (pause + assign a person), "yes" (booking link), "later", STOP.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BODIES = ("Do you take Delta Dental?", "Yes please", "maybe later", "Can I come Saturday?", "STOP")
TOKEN = "bench-auth-token"
SID = "AC" + "b" * 32
BASE = "http://bench.invalid"


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def prepare(site: str, patients: int) -> list[str]:
	from twilio.request_validator import RequestValidator  # noqa: F401  (fail early if twilio is missing)

	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	settings = frappe.get_single("Win-Back Settings")
	settings.update(
		{
			"sending_mode": "Twilio",
			"twilio_account_sid": SID,
			"twilio_auth_token": TOKEN,
			"twilio_messaging_service_sid": "MG" + "c" * 32,
			"public_base_url": BASE,
		}
	)
	settings.save(ignore_permissions=True)
	from frappe.utils import now_datetime

	from winback_app.phones import sync_stale

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
	counts = {"replies": len(replies), "communications": len(comms), "todos": len(todos)}
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
	frappe.db.commit()
	frappe.destroy()
	return counts


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--requests", type=int, default=2000)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--workers", type=int, default=4)
	args = parser.parse_args()

	numbers = prepare(args.site, max(100, args.requests // 5))
	from twilio.request_validator import RequestValidator

	validator = RequestValidator(TOKEN)
	path = "/api/method/winback_app.api.sms.inbound"
	port = free_port()
	gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
	server = subprocess.Popen(
		[
			gunicorn,
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(args.workers),
			"--threads",
			"2",
			"-k",
			"gthread",
			"frappe.app:application",
		],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	try:
		deadline = time.monotonic() + 60
		while True:
			try:
				urllib.request.urlopen(
					urllib.request.Request(
						f"http://127.0.0.1:{port}/api/method/ping", headers={"X-Frappe-Site-Name": args.site}
					),
					timeout=2,
				)
				break
			except OSError:
				if time.monotonic() > deadline:
					raise SystemExit("server did not start") from None
				time.sleep(0.5)

		latencies: list[float] = []
		statuses: dict[int, int] = {}
		lock = threading.Lock()

		def one(i: int):
			params = {
				"MessageSid": f"SMBENCH{i:08d}{int(time.time())}",
				"From": numbers[i % len(numbers)],
				"To": "+12025550100",
				"Body": BODIES[i % len(BODIES)],
				"NumMedia": "0",
			}
			data = urllib.parse.urlencode(params).encode()
			request = urllib.request.Request(
				f"http://127.0.0.1:{port}{path}",
				data=data,
				headers={
					"X-Frappe-Site-Name": args.site,
					"X-Twilio-Signature": validator.compute_signature(BASE + path, params),
					"Content-Type": "application/x-www-form-urlencoded",
				},
			)
			started = time.perf_counter()
			try:
				status = urllib.request.urlopen(request, timeout=30).status
			except urllib.error.HTTPError as exc:
				status = exc.code
			elapsed = time.perf_counter() - started
			with lock:
				latencies.append(elapsed)
				statuses[status] = statuses.get(status, 0) + 1

		for i in range(min(50, args.requests)):  # warm the workers' caches
			one(10_000_000 + i)
		latencies.clear()
		statuses.clear()
		started = time.perf_counter()
		with ThreadPoolExecutor(args.clients) as pool:
			list(pool.map(one, range(args.requests)))
		wall = time.perf_counter() - started
	finally:
		server.terminate()
		server.wait(timeout=20)

	q = statistics.quantiles(latencies, n=100)
	written = cleanup(args.site, numbers)
	print(
		f"inbound webhook, {args.requests} signed requests, {args.clients} clients, gunicorn {args.workers} workers x 2 threads (2 cores)"
	)
	print(f"  throughput      {args.requests / wall:8.1f} req/s   (goal >= 200)")
	print(f"  latency p50     {q[49] * 1000:8.1f} ms")
	print(f"  latency p95     {q[94] * 1000:8.1f} ms")
	print(f"  latency p99     {q[98] * 1000:8.1f} ms   (goal < 100)")
	print(f"  statuses        {statuses}")
	print(f"  rows written    {written} (cleaned up)")


if __name__ == "__main__":
	main()
