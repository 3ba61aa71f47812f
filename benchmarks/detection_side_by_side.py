"""Quick side-by-side: decide() vs the bare aggregate, 3 alternating runs each, on one bench site.

Run from the bench's sites folder: ../env/bin/python /work/main/benchmarks/detection_side_by_side.py SITE
(the site must hold a data set made by generate.py / detection_bench.py).
"""

import sys
import time
import statistics
import frappe

sys.path.insert(0, "/work/main/benchmarks")
sys.path.insert(0, "/work/main")
site = sys.argv[1]
frappe.init(site=site, sites_path=".")
frappe.connect()
from frappe.utils import getdate
from detection_bench import bare_aggregate
from winback_app.detection.run import decide
from winback_app.segments import enabled_segment_specs
from winback_app.settings import get_settings

anchor = getdate(frappe.db.get_default("winback_bench_anchor") or frappe.utils.today())
segs = [s for s in enabled_segment_specs() if s.rule_kind != "Missed Appointment"]
decide(segs, anchor, get_settings())
bare_aggregate(anchor)
ours, bare = [], []
for _ in range(3):
	t = time.perf_counter()
	decide(segs, anchor, get_settings())
	ours.append(time.perf_counter() - t)
	t = time.perf_counter()
	bare_aggregate(anchor)
	bare.append(time.perf_counter() - t)
o, b = statistics.median(ours), statistics.median(bare)
print(
	f"{site}: decide() median {o:.2f} s, bare aggregate median {b:.2f} s, ratio {o / b:.2f}x (3 alternating runs each)"
)
