"""Quick side-by-side: decide() vs the bare aggregate, alternating runs (3 unless told), on one bench site.

Run from the bench's sites folder:
    ../env/bin/python /work/main/benchmarks/detection_side_by_side.py SITE [RUNS]
(the site must hold a data set made by generate.py / detection_bench.py).
"""

import statistics
import sys
import time
from pathlib import Path

import frappe

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def timed(fn) -> float:
	started = time.perf_counter()
	fn()
	return time.perf_counter() - started


def main(site: str, runs: int = 3) -> None:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	from frappe.utils import getdate

	from detection_bench import bare_aggregate
	from winback_app.detection.run import decide
	from winback_app.segments import enabled_segment_specs
	from winback_app.settings import get_settings

	anchor = getdate(frappe.db.get_default("winback_bench_anchor") or frappe.utils.today())
	segments = [s for s in enabled_segment_specs() if s.rule_kind != "Missed Appointment"]
	ours = lambda: decide(segments, anchor, get_settings())
	bare = lambda: bare_aggregate(anchor)
	ours(), bare()  # warm caches, as a long-lived worker has them
	ours_times, bare_times = [], []
	for _ in range(runs):
		ours_times.append(timed(ours))
		bare_times.append(timed(bare))
	o, b = statistics.median(ours_times), statistics.median(bare_times)
	print(
		f"{site}: decide() median {o:.2f} s, bare aggregate median {b:.2f} s, ratio {o / b:.2f}x ({runs} alternating runs each)"
	)


if __name__ == "__main__":
	main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
