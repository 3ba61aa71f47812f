"""Lapse detection benchmark: our set-based detection vs a naive per-patient loop vs a bare SQL aggregate.

Run (from the bench's sites directory, never on the development site winback.test):
    cd /opt/frappe-bench/sites && ../env/bin/python /work/main/benchmarks/detection_bench.py --site winback-bench.test

Two sizes need two data sets. The reader's queries read whole tables (that is the point: one GROUP BY per
source whatever N is), so "10k patients" only means something if the tables hold 10k patients; a patient
subset inside the 100k site would still scan 1M appointments. So --site holds the large set (100k patients,
~1M appointments) and --small-site (default winback-bench-10k.test, an identical second bench site) holds the
small one. Each set is generated once (benchmarks/generate.py, idempotent per size) and reused.

Per site, in one process and one run, it measures (wall time with time.perf_counter, queries by wrapping
frappe.db.sql, Python peak memory with tracemalloc in a separate run so tracing never slows a timed run):
- phones.sync_stale(), first run (the phone lookup emptied first) and warm (nothing changed): reported apart;
- ours: winback_app.detection.run.decide_ranges() with the enabled campaigns, consumed range by range as the
  nightly job does (reading + engine, no writes), timed in turn with the bare aggregate (the order swapped each
  round; medians, per-round ratios and the load average); its peak memory at both sizes;
- ours: detect_lapses(), the whole nightly job including the bulk writes, then frappe.db.rollback();
- bare: one set-based SQL aggregate (last Closed/Checked Out appointment per patient, older than 270 days,
  NOT EXISTS a future Scheduled/Open/Confirmed/Checked In appointment), written with frappe.qb;
- the lapse writer (detection.writer.insert_lapses on the run's entries) against pymysql's executemany of the
  very rows it writes, both rolled back, in turn;
- naive (small site only): benchmarks/naive_detection.py, per-patient ORM calls + the same engine, and a
  check that it decides exactly what ours decides.
Detection runs "as of" the day the set was generated, so results do not drift when a set is reused.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import date
from pathlib import Path

import frappe
from pypika.terms import Criterion

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as gen  # noqa: E402

CAMPAIGNS = (
	"6-Month Hygiene Recall",
	"Win-Back 9-18 Months",
	"Dormant 18+ Months",
	"Unfinished Treatment",
	"New Patient Never Booked",
)
DEV_SITE = "winback.test"


class QueryCounter:
	"""Counts (and optionally times) every frappe.db.sql call: qb .run(), get_all, get_value, commit..."""

	def __init__(self):
		self.count = 0
		self.timed: list[tuple[float, str]] | None = None
		self._original = None

	def install(self):
		db = frappe.db
		self._original = original = db.sql

		def sql(query, *args, **kwargs):
			self.count += 1
			if self.timed is None:
				return original(query, *args, **kwargs)
			start = time.perf_counter()
			try:
				return original(query, *args, **kwargs)
			finally:
				self.timed.append((time.perf_counter() - start, " ".join(str(query).split())))

		db.sql = sql

	def uninstall(self):
		if self._original is not None:
			frappe.db.sql = self._original
			self._original = None


class Measure:
	def __init__(self, counter: QueryCounter):
		self.counter = counter

	def once(self, fn, memory: bool = False):
		self.counter.count = 0
		if memory:
			tracemalloc.start()
			tracemalloc.reset_peak()
		start = time.perf_counter()
		try:
			result = fn()
		finally:
			seconds = time.perf_counter() - start
			peak = None
			if memory:
				peak = tracemalloc.get_traced_memory()[1]
				tracemalloc.stop()
		return result, seconds, self.counter.count, peak

	def phase(self, fn, runs: int, before=None, after=None, memory_run: bool = True):
		"""Median of `runs` timed runs, the query count of the last, and the peak of one traced run.

		before/after run outside the timing (emptying a table, rolling back writes)."""
		times, queries, result = [], None, None
		for _ in range(runs):
			if before:
				before()
			result, seconds, queries, _peak = self.once(fn)
			times.append(seconds)
			if after:
				after()
		peak = None
		if memory_run:
			if before:
				before()
			_r, _s, _q, peak = self.once(fn, memory=True)
			if after:
				after()
		return {"seconds": statistics.median(times), "runs": runs, "queries": queries, "peak": peak}, result

	def alternate(self, a, b, runs: int):
		"""a and b timed in turn, `runs` times each (a first in odd rounds, b first in even ones, so a load trend
		on the shared machine hits both alike): medians, per-round ratios a/b and the load average, then one
		traced run each for peak memory."""
		import os

		times_a, times_b, ratios, loads = [], [], [], []
		result_a = result_b = None
		for i in range(runs):
			order = ((a, times_a), (b, times_b)) if i % 2 == 0 else ((b, times_b), (a, times_a))
			for fn, times in order:
				result, seconds, queries, _ = self.once(fn)
				times.append(seconds)
				if fn is a:
					result_a, queries_a = result, queries
				else:
					result_b, queries_b = result, queries
			ratios.append(times_a[-1] / times_b[-1])
			loads.append(os.getloadavg()[0])
		_r, _s, _q, peak_a = self.once(a, memory=True)
		_r, _s, _q, peak_b = self.once(b, memory=True)
		stats_a = {"seconds": statistics.median(times_a), "runs": runs, "queries": queries_a, "peak": peak_a}
		stats_b = {"seconds": statistics.median(times_b), "runs": runs, "queries": queries_b, "peak": peak_b}
		side = {
			"ratio": statistics.median(ratios),
			"ratios": ratios,
			"loads": loads,
			"a_result": result_a,
			"b_result": result_b,
		}
		return stats_a, stats_b, side


# --- the lapse writer against executemany ------------------------------------------------------------


def writer_inputs(detection, patients, last_any, segments, today) -> tuple:
	from winback_app.detection.run import cycle_of, with_last_visit
	from winback_app.settings import clinic_time_zone, send_window

	entries = [with_last_visit(e, last_any) for e in detection.entries]
	return (
		entries,
		patients,
		{s.name: s for s in segments},
		cycle_of(today),
		clinic_time_zone(),
		send_window(),
	)


def writer_vs_executemany(writer_args: tuple, runs: int) -> dict:
	"""detection.writer.insert_lapses on the run's entries against pymysql's executemany of the very rows it
	writes (captured from one run of the writer), both rolled back; alternating, medians."""
	import os

	from winback_app.detection import writer
	from winback_app.infra import bulk

	captured: list = []
	real_insert = bulk.insert
	bulk.insert = lambda doctype, columns, rows, **kw: captured.append((doctype, tuple(columns), list(rows)))
	try:
		writer.insert_lapses(*writer_args)
	finally:
		bulk.insert = real_insert
		frappe.db.rollback()
	statements = [
		(f"INSERT INTO `tab{doctype}` ({', '.join(f'`{c}`' for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})", rows)
		for doctype, columns, rows in captured
	]  # fmt: skip
	n_rows = sum(len(rows) for _sql, rows in statements)

	def ours():
		writer.insert_lapses(*writer_args)

	def floor():
		cursor = frappe.db._cursor
		for sql, rows in statements:
			cursor.executemany(sql, rows)

	times_o, times_f, ratios, loads = [], [], [], []
	for i in range(runs):
		for fn, times in (
			((ours, times_o), (floor, times_f)) if i % 2 == 0 else ((floor, times_f), (ours, times_o))
		):
			frappe.db.rollback()
			started = time.perf_counter()
			fn()
			times.append(time.perf_counter() - started)
			frappe.db.rollback()
		ratios.append(times_o[-1] / times_f[-1])
		loads.append(os.getloadavg()[0])
	return {
		"ours": statistics.median(times_o),
		"floor": statistics.median(times_f),
		"ratio": statistics.median(ratios),
		"ratios": ratios,
		"loads": loads,
		"lapses": len(writer_args[0]),
		"rows": n_rows,
	}


# --- the bare aggregate ------------------------------------------------------------------------------


class NotExists(Criterion):
	"""NOT EXISTS (subquery) for a HAVING clause. A pypika QueryBuilder has no .exists() (q.exists is a Field
	named "exists"), and pypika's ExistsCriterion only gets its parentheses inside WHERE, not inside HAVING."""

	def __init__(self, query):
		super().__init__()
		self.query = query

	def get_sql(self, **kwargs):
		return "NOT EXISTS " + self.query.get_sql(**{**kwargs, "subquery": True})


def bare_aggregate(today: date, min_days: int = 270) -> list[tuple]:
	"""Patients whose last Closed/Checked Out appointment is older than min_days, with no future booking."""
	from frappe.query_builder import DocType
	from frappe.query_builder.functions import Max

	visits = DocType("Patient Appointment").as_("a")
	future = DocType("Patient Appointment").as_("f")
	booked = (
		frappe.qb.from_(future)
		.select(future.name)
		.where(future.patient == visits.patient)
		.where(future.status.isin(("Scheduled", "Open", "Confirmed", "Checked In")))
		.where(future.appointment_date >= today)
	)
	cutoff = frappe.utils.add_days(today, -min_days)
	return (
		frappe.qb.from_(visits)
		.select(visits.patient, Max(visits.appointment_date))
		.where(visits.status.isin(("Closed", "Checked Out")))
		.groupby(visits.patient)
		.having((Max(visits.appointment_date) < cutoff) & NotExists(booked))
		.run()
	)


# --- site preparation ---------------------------------------------------------------------------------


def connect(site: str) -> None:
	if site == DEV_SITE:
		sys.exit(f"{DEV_SITE} is the development site: benchmark on a bench site only.")
	frappe.init(site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")


def ensure_installed() -> None:
	"""Work around the install bug (see README): seed() needs a valid send window on a fresh site."""
	if frappe.db.count("Campaign Segment", {"name": ("in", CAMPAIGNS)}) == len(CAMPAIGNS):
		return
	from winback_app.install import seed

	print(
		f"[bench] {frappe.local.site}: winback_app seed incomplete, setting a 09:00-19:00 window and seeding"
	)
	frappe.db.set_single_value("Win-Back Settings", {"window_start": "09:00:00", "window_end": "19:00:00"})
	seed()
	frappe.db.commit()


def enable_campaigns() -> None:
	changed = False
	if not frappe.db.get_single_value("Win-Back Settings", "sms_consent_policy"):
		# A site where the practice never chose who gets texts messages only those who granted consent: most of
		# the generated patients would be left out for that alone, and two sites would not decide alike. The
		# benchmark measures a practice that texts everyone not opted out (as sending_bench and webhook_bench do).
		frappe.db.set_single_value("Win-Back Settings", "sms_consent_policy", "Everyone not opted out")
		changed = True
	for name in CAMPAIGNS:
		if not frappe.db.get_value("Campaign Segment", name, "enabled"):
			frappe.db.set_value("Campaign Segment", name, "enabled", 1)
			changed = True
		frappe.clear_document_cache("Campaign Segment", name)
	if changed:
		frappe.db.commit()


def empty_phone_lookup() -> None:
	frappe.db.delete("Win-Back Patient Phone")
	frappe.db.commit()


# --- one site -----------------------------------------------------------------------------------------


def bench_site(site: str, n: int, args, rows: list, extra: dict) -> None:
	connect(site)
	try:
		# winback_app's reader builds frappe.qb tables at import time: import after frappe.init()
		import naive_detection

		from winback_app.contacts import phones
		from winback_app.detection.reader import PATIENT_RANGE
		from winback_app.detection.run import EVENT_RULES, cycle_of, decide, decide_ranges, detect_lapses
		from winback_app.segments import enabled_segment_specs
		from winback_app.settings import get_settings

		ensure_installed()
		marker = gen.generate(n, args.seed)
		enable_campaigns()
		today = date.fromisoformat(marker["anchor"])
		counter = QueryCounter()
		counter.install()
		m = Measure(counter)
		label = f"{n // 1000}k"
		print(
			f"[bench] {site}: {n} patients, {marker['rows']['Patient Appointment']} appointments, as of {today}, "
			f"frappe {frappe.__version__}, python {sys.version.split()[0]}"
		)

		# phones: first run from an empty lookup table, then warm (no changed numbers)
		stats, synced = m.phase(phones.sync_stale, 1, before=empty_phone_lookup, after=frappe.db.commit)
		rows.append(("phones.sync_stale() first run", label, stats))
		stats, _ = m.phase(phones.sync_stale, args.runs)
		rows.append(("phones.sync_stale() warm", label, stats))
		extra[f"synced_{label}"] = synced

		settings = get_settings()
		segments = [s for s in enabled_segment_specs() if s.rule_kind not in EVENT_RULES]
		# A campaign whose reader crashes would make every detect_lapses() crash: disable it on this bench site,
		# measure the others and say so in the report (see README, "bugs found").
		for seg in list(segments):
			try:
				decide([seg], today, settings)
			except Exception as e:
				extra.setdefault("broken", {})[seg.name] = f"{type(e).__name__}: {e}"
				frappe.db.rollback()
				frappe.db.set_value("Campaign Segment", seg.name, "enabled", 0)
				frappe.db.commit()
				frappe.clear_document_cache("Campaign Segment", seg.name)
				segments.remove(seg)
		extra["segments"] = [s.name for s in segments]

		def ours():
			"""The nightly job's way: range by range, keeping only counts (decide_ranges streams)."""
			entries, by_segment, exclusions = 0, Counter(), Counter()
			for part, _patients, _last in decide_ranges(segments, today, settings):
				entries += len(part.entries)
				by_segment.update(e.segment for e in part.entries)
				exclusions.update(x.reason.split(":")[0] for x in part.exclusions)
			return entries, by_segment, exclusions

		ours()  # warm-up: metadata and document caches, as in a long-lived worker
		bare_aggregate(today)  # warm-up
		stats, bare_stats, side = m.alternate(ours, lambda: bare_aggregate(today), args.runs)
		entries, by_segment, exclusions = side["a_result"]
		rows.append(("ours: decide_ranges() read+engine", label, stats))
		rows.append(("bare SQL aggregate (qb)", label, bare_stats))
		extra[f"ours_{label}"] = stats
		extra[f"bare_{label}"] = bare_stats
		extra[f"side_{label}"] = side
		extra[f"bare_rows_{label}"] = len(side["b_result"])
		extra[f"entries_{label}"] = entries
		extra[f"exclusions_{label}"] = exclusions
		extra[f"by_segment_{label}"] = by_segment
		extra[f"ranges_{label}"] = frappe.db.count("Patient") // PATIENT_RANGE + 1
		extra["range_size"] = PATIENT_RANGE

		# where the time of our path goes: per-query SQL time and a cProfile of one run
		counter.timed = []
		prof = cProfile.Profile()
		start = time.perf_counter()
		prof.enable()
		ours()
		prof.disable()
		total = time.perf_counter() - start
		timed, counter.timed = counter.timed, None
		extra[f"breakdown_{label}"] = (total, timed, prof)

		stats, result = m.phase(
			lambda: detect_lapses(today=today), args.detect_runs, after=frappe.db.rollback
		)
		rows.append(("ours: detect_lapses() incl. writes*", label, stats))
		extra[f"detect_{label}"] = stats
		extra[f"detect_result_{label}"] = result

		# the lapse writer against the driver's executemany of the very rows it writes
		detection, patients, last_any = decide(segments, today, settings)
		writer_args = writer_inputs(detection, patients, last_any, segments, today)
		extra[f"writer_{label}"] = writer_vs_executemany(writer_args, args.runs)

		if n == args.small and not args.skip_naive:
			cycle = cycle_of(today)
			stats, naive = m.phase(
				lambda: naive_detection.naive_decide(segments, today, settings, cycle),
				args.naive_runs,
				memory_run=args.naive_memory,
			)
			rows.append(("naive per-patient ORM loop", label, stats))
			extra["naive"] = stats
			key = lambda d: sorted(
				(e.patient, e.segment, e.holdout, e.candidate.event_date) for e in d.entries
			)  # noqa: E731
			excl = lambda d: sorted((x.patient, x.segment, x.reason) for x in d.exclusions)  # noqa: E731
			# every range's decisions together
			detection, _patients, _last = decide(segments, today, settings)
			extra["naive_same"] = key(naive) == key(detection) and excl(naive) == excl(detection)
			if not extra["naive_same"]:
				a, b = set(key(naive)), set(key(detection))
				extra["naive_diff"] = (sorted(a - b)[:5], sorted(b - a)[:5])
		counter.uninstall()
	finally:
		frappe.db.rollback()
		frappe.destroy()


# --- report -------------------------------------------------------------------------------------------


def fmt_mb(peak) -> str:
	return "-" if peak is None else f"{peak / 1e6:.1f}"


def print_report(rows, extra, args) -> None:
	small, large = f"{args.small // 1000}k", f"{args.large // 1000}k"
	print()
	print(f"{'phase':<32} {'N':>5} {'seconds':>9} {'runs':>4} {'queries':>8} {'peak MB':>8}")
	print("-" * 71)
	for phase, label, s in rows:
		print(
			f"{phase:<32} {label:>5} {s['seconds']:>9.3f} {s['runs']:>4} {s['queries']:>8} {fmt_mb(s['peak']):>8}"
		)
	print(
		"seconds = median of the runs; queries = frappe.db.sql calls in one run; peak = tracemalloc, separate run"
	)
	print(
		"* detect_lapses() = sync_stale (warm) + decide + bulk insert of lapses and attempts, rolled back after each run"
	)
	print()
	print("ours vs the floor, same run (alternating runs, order swapped each round; medians)")
	print(
		f"  {'what':<34}{'N':>5}{'floor s':>9}{'ours s':>9}{'ratio':>8}  {'per round':<22}{'goal':<8}{'load 1m':<11}verdict"
	)
	for lab in (small, large):
		o, b, side = extra.get(f"ours_{lab}"), extra.get(f"bare_{lab}"), extra.get(f"side_{lab}")
		if o and b and side:
			r = side["ratio"]
			print(
				f"  {'decide_ranges() vs bare aggregate':<34}{lab:>5}{b['seconds']:>9.3f}{o['seconds']:>9.3f}{r:>7.2f}x  "
				f"{' '.join(f'{x:.2f}' for x in side['ratios']):<22}{'<= 2x':<8}"
				f"{min(side['loads']):.1f}-{max(side['loads']):<7.1f}{'met' if r <= 2 else 'NOT met'}"
			)
	for lab in (small, large):
		w = extra.get(f"writer_{lab}")
		if w:
			print(
				f"  {'lapse writer vs executemany':<34}{lab:>5}{w['floor']:>9.3f}{w['ours']:>9.3f}{w['ratio']:>7.2f}x  "
				f"{' '.join(f'{x:.2f}' for x in w['ratios']):<22}{'<= 2x':<8}"
				f"{min(w['loads']):.1f}-{max(w['loads']):<7.1f}{'met' if w['ratio'] <= 2 else 'NOT met'}"
				f"   ({w['lapses']:,} lapses, {w['rows']:,} rows)"
			)
	o_s, o_l = extra.get(f"ours_{small}"), extra.get(f"ours_{large}")
	if "naive" in extra and o_s:
		r = extra["naive"]["seconds"] / o_s["seconds"]
		print(f"  naive / ours, decide @ {small:<24} {r:>8.1f}x   >= 50x  {'met' if r >= 50 else 'NOT met'}")
	if o_s and o_l:
		rs, rl = extra.get(f"ranges_{small}", "?"), extra.get(f"ranges_{large}", "?")
		print(
			f"  queries ours @ {small} vs @ {large}: {o_s['queries']} vs {o_l['queries']} "
			f"({rs} vs {rl} key ranges of {extra.get('range_size', '?')} patients)"
		)
		d_s, d_l = extra.get(f"detect_{small}"), extra.get(f"detect_{large}")
		if d_s and d_l:
			print(f"  queries detect_lapses() @ {small} vs @ {large}: {d_s['queries']} vs {d_l['queries']}")
		print(
			f"  time ours @ {large} / @ {small}: {o_l['seconds'] / o_s['seconds']:.1f}x (N ratio {args.large // args.small}x)"
		)
		if o_s["peak"] and o_l["peak"]:
			pr = o_l["peak"] / o_s["peak"]
			print(
				f"  peak memory ours (tracemalloc) @ {small} / @ {large}: {fmt_mb(o_s['peak'])} MB / {fmt_mb(o_l['peak'])} MB "
				f"= {pr:.2f}x   goal within 1.5x  {'met' if pr <= 1.5 else 'NOT met'}"
			)
		if d_s and d_l and d_s["peak"] and d_l["peak"]:
			print(
				f"  peak memory detect_lapses() @ {small} / @ {large}: {fmt_mb(d_s['peak'])} MB / {fmt_mb(d_l['peak'])} MB"
			)
	print()
	for lab in (small, large):
		if f"entries_{lab}" in extra:
			print(
				f"@ {lab}: decide() places {extra[f'entries_{lab}']} patients "
				f"{dict(sorted(extra[f'by_segment_{lab}'].items()))}; bare aggregate returns {extra[f'bare_rows_{lab}']}"
			)
			print(f"       exclusions {dict(extra[f'exclusions_{lab}'].most_common())}")
			print(f"       detect_lapses(): {extra.get(f'detect_result_{lab}')}")
	print(f"campaigns measured: {', '.join(extra.get('segments', []))}")
	for name, error in extra.get("broken", {}).items():
		print(f"campaign NOT measured (its reader crashes, disabled on the bench sites): {name}: {error}")
	if "naive_same" in extra:
		print(
			f"naive loop decides exactly what ours decides: {extra['naive_same']} {extra.get('naive_diff', '')}"
		)
	print()
	for lab in (small, large):
		if f"breakdown_{lab}" not in extra:
			continue
		total, timed, prof = extra[f"breakdown_{lab}"]
		sql_time = sum(t for t, _q in timed)
		print(
			f"where decide() spends its time @ {lab}: {total:.2f} s total (traced), {sql_time:.2f} s in SQL "
			f"({len(timed)} queries), {total - sql_time:.2f} s in Python"
		)
		for t, q in sorted(timed, reverse=True)[: args.top]:
			print(f"  {t:7.3f} s  {q[:110]}")
		if args.profile:
			out = io.StringIO()
			pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
			print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


def main(argv=None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument(
		"--site", required=True, help="bench site for the large set (e.g. winback-bench.test)"
	)
	parser.add_argument("--small-site", default="winback-bench-10k.test", help="bench site for the small set")
	parser.add_argument("--large", type=int, default=100_000, help="0: the small site only")
	parser.add_argument("--small", type=int, default=10_000)
	parser.add_argument("--seed", type=int, default=42)
	parser.add_argument("--runs", type=int, default=3, help="timed runs per phase (median)")
	parser.add_argument("--detect-runs", type=int, default=3)
	parser.add_argument("--naive-runs", type=int, default=1)
	parser.add_argument("--naive-memory", action=argparse.BooleanOptionalAction, default=True)
	parser.add_argument("--skip-naive", action="store_true")
	parser.add_argument("--profile", action="store_true", help="also print the top cProfile functions")
	parser.add_argument("--top", type=int, default=8)
	args = parser.parse_args(argv)

	rows: list = []
	extra: dict = {}
	started = time.perf_counter()
	bench_site(args.small_site, args.small, args, rows, extra)
	if args.large:
		bench_site(args.site, args.large, args, rows, extra)
	print_report(rows, extra, args)
	print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
	main()
