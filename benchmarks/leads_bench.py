"""New-patient leads under a burst: the time from an ERPNext Lead's insert to its first text queued (committed with
the Lead, due at once) and, with real RQ workers draining the short queue, to that text sent (Outbox mode).

Run from the bench's sites folder:
    ../env/bin/python /work/main/benchmarks/leads_bench.py --site SITE [--leads 500] [--clients 8] [--workers 2]

Each client thread has its own site connection and inserts Leads back to back, each in its own transaction, as
web requests (the request form, an import, a CRM integration) would: the Lead's after_insert takes it (a
Win-Back Lead and its planned texts) and queues the send for after the commit. Phase "queued": insert start ->
commit, with the first text's row on record. Phase "sent": `--workers` RQ workers (started here, stopped here)
send what the burst queued; insert start -> the text's sent_at. The leads "wrote first" (the request form's
facts), so their first text may leave at once, day or night. Fictional (NXX) 555-01xx numbers; everything made
is removed afterwards. Prints p50/p95/p99/max per phase and throughput.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime

AREAS = (
	"201", "202", "203", "205", "206", "207", "208", "209", "210", "212", "213", "214", "215", "216", "217",
	"218", "219", "224", "225", "228", "229", "231", "234", "239", "240", "248", "251", "252", "253", "254",
)  # fmt: skip


def pct(values: list[float], p: float) -> float:
	values = sorted(values)
	return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def summary(name: str, values: list[float]) -> str:
	if not values:
		return f"{name}: no values"
	return (
		f"{name}: n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
		f"p95={pct(values, 95) * 1000:.0f} ms p99={pct(values, 99) * 1000:.0f} ms max={max(values) * 1000:.0f} ms"
	)


def numbers(site: str, count: int) -> list[str]:
	import frappe

	taken = set(frappe.get_all("Win-Back Patient Phone", pluck="phone")) | set(
		frappe.get_all("Win-Back Lead", pluck="phone")
	)
	pool = [f"+1{a}55501{n:02d}" for a in AREAS for n in range(100)]
	free = [n for n in pool if n not in taken]
	random.Random(17).shuffle(free)
	if len(free) < count:
		raise SystemExit(f"only {len(free)} free fictional numbers")
	return free[:count]


def burst(
	site: str, phones: list[str], clients: int, run_id: str, with_email: bool, ours: dict[str, float]
) -> dict[str, tuple[float, float]]:
	"""Insert one Lead per number from `clients` threads; {lead: (start epoch, committed epoch)}. `ours` gets
	the seconds each Lead spent in winback_app's own after_insert work (intake.take_lead)."""
	import frappe

	from winback_app.engine import leads as rules
	from winback_app.leads import intake

	results: dict[str, tuple[float, float]] = {}
	errors: dict[str, int] = {}
	lock = threading.Lock()
	gate = threading.Barrier(clients)
	chunks = [phones[i::clients] for i in range(clients)]
	take_lead = intake.take_lead

	def timed_take_lead(lead, arrival=None):
		began = time.perf_counter()
		try:
			return take_lead(lead, arrival)
		finally:
			with lock:
				ours[lead] = time.perf_counter() - began

	intake.take_lead = timed_take_lead

	def client(chunk: list[str]) -> None:
		frappe.init(site=site, sites_path=".")
		frappe.connect()
		frappe.set_user("Guest")
		try:
			gate.wait(timeout=60)
			for phone in chunk:
				start = time.time()
				doc = frappe.get_doc(
					{
						"doctype": "Lead",
						"first_name": "Bench",
						"last_name": f"{run_id}-{phone[2:]}",  # the host names the Lead's Contact after it
						"mobile_no": phone,
						"email_id": f"bench-{run_id}-{phone[2:]}@example.com" if with_email else None,
					}
				)
				doc.flags.winback_arrival = intake.Arrival(
					source=rules.REQUEST_FORM,
					received_on=frappe.utils.now_datetime(),
					first_name="Bench",
					wrote_first=True,
					sms_consent="Granted",
					consent_on=frappe.utils.now_datetime(),
					consent_wording="bench",
				)
				try:
					doc.insert(ignore_permissions=True)
					frappe.db.commit()
				except Exception as exc:  # counted by class and reported; the client goes on
					frappe.db.rollback()
					with lock:
						kind = f"{type(exc).__name__} {exc.args[0] if exc.args else ''}"
						errors[kind] = errors.get(kind, 0) + 1
						if os.environ.get("LEADS_BENCH_TRACE"):
							import traceback

							traceback.print_exc()
					continue
				with lock:
					results[doc.name] = (start, time.time())
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	if errors:
		print(f"inserts that failed, by error: {errors}")
	return results


def to_epoch(naive_system: datetime) -> float:
	from winback_app.infra.clock import to_utc

	return to_utc(naive_system).timestamp()


def texts(leads: list[str]) -> dict[str, dict]:
	import frappe

	WLead, WText = frappe.qb.DocType("Win-Back Lead"), frappe.qb.DocType("Win-Back Lead Text")
	rows = (
		frappe.qb.from_(WText)
		.join(WLead)
		.on(WLead.name == WText.lead_record)
		.select(WLead.lead, WText.status, WText.creation, WText.due_at, WText.sent_at)
		.where(WLead.lead.isin(leads))
		.where(WText.step == "First")
		.run(as_dict=True)
	)
	return {r.lead: r for r in rows}


def start_workers(site: str, count: int) -> list[subprocess.Popen]:
	env = dict(os.environ)
	return [
		subprocess.Popen(
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
			env=env,
		)
		for _ in range(count)
	]


def stop(procs: list[subprocess.Popen]) -> None:
	for p in procs:
		p.terminate()
	for p in procs:
		try:
			p.wait(timeout=20)
		except subprocess.TimeoutExpired:
			p.kill()


def clean(run_id: str) -> None:
	import frappe

	leads = frappe.get_all("Lead", {"last_name": ("like", f"{run_id}-%")}, pluck="name")
	wls = frappe.get_all("Win-Back Lead", {"lead": ("in", leads or [""])}, pluck="name")
	comms = frappe.get_all(
		"Communication",
		{"reference_doctype": "Win-Back Lead", "reference_name": ("in", wls or [""])},
		pluck="name",
	)
	frappe.db.delete("Communication Link", {"parent": ("in", comms or [""])})
	frappe.db.delete("Communication", {"name": ("in", comms or [""])})
	frappe.db.delete("Win-Back Lead Text", {"lead_record": ("in", wls or [""])})
	frappe.db.delete("Win-Back Lead", {"name": ("in", wls or [""])})
	for lead in leads:
		frappe.delete_doc("Lead", lead, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--leads", type=int, default=500)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--workers", type=int, default=2)
	parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the workers")
	parser.add_argument(
		"--email",
		action="store_true",
		help="leads with an email too (the host's Contact then asks gravatar.com about it, over the network)",
	)
	args = parser.parse_args()
	sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	settings = frappe.get_single("Win-Back Settings")
	mode, paused = settings.sending_mode, settings.pause_sending
	settings.sending_mode, settings.pause_sending = "Outbox", 0
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	run_id = f"B{frappe.generate_hash(length=6)}"
	phones = numbers(args.site, args.leads)
	workers = start_workers(args.site, args.workers) if args.workers else []
	try:
		time.sleep(3 if workers else 0)  # the workers connect to Redis
		began = time.time()
		ours: dict[str, float] = {}
		made = burst(args.site, phones, args.clients, run_id, args.email, ours)
		burst_seconds = time.time() - began
		print(
			f"burst: {len(made)} leads from {args.clients} clients in {burst_seconds:.1f} s "
			f"({len(made) / burst_seconds:.0f} leads/s)"
		)
		frappe.db.rollback()
		queued = texts(list(made))
		missing = [lead for lead in made if lead not in queued]
		print(f"first text on record with its Lead: {len(queued)} of {len(made)} (missing {len(missing)})")
		print(
			summary(
				"insert -> first text queued (commit)", [made[lead][1] - made[lead][0] for lead in queued]
			)
		)
		print(
			summary(
				"  of which winback_app's after_insert (take the lead, plan its texts)", list(ours.values())
			)
		)
		print(
			summary(
				"  of which due at once (due_at <= commit)",
				[
					made[lead][1] - made[lead][0]
					for lead, r in queued.items()
					if to_epoch(r.due_at) <= made[lead][1] + 1
				],
			)
		)
		if workers:
			deadline = time.time() + args.wait
			while time.time() < deadline:
				frappe.db.rollback()
				sent = {k: r for k, r in texts(list(made)).items() if r.sent_at}
				if len(sent) >= len(made):
					break
				time.sleep(1)
			drained = time.time() - began
			print(
				f"sent by {args.workers} short-queue workers: {len(sent)} of {len(made)}; last one {drained:.1f} s "
				"after the burst began"
			)
			print(
				summary(
					"insert -> first text sent (Outbox)",
					[to_epoch(r.sent_at) - made[k][0] for k, r in sent.items()],
				)
			)
			frappe.db.rollback()
			left = [r.status for r in texts(list(made)).values() if not r.sent_at]
			if left:
				print("not sent yet, by status:", {s: left.count(s) for s in sorted(set(left))})
	finally:
		stop(workers)
		frappe.db.rollback()
		clean(run_id)
		settings = frappe.get_single("Win-Back Settings")
		settings.sending_mode, settings.pause_sending = mode, paused
		settings.save(ignore_permissions=True)
		frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()
