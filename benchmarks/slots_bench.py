"""Benchmark free_slots: 20 practitioners x 14 days, two 4-hour blocks a weekday, ~2,000 booked.

Run from anywhere: python3 benchmarks/slots_bench.py
Prints the median and p95 wall time of free_slots over 20 runs (ms) and the slot count. No asserts.
"""

import os
import random
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from winback_app.engine.slots import BookedAppointment, ScheduleBlock, free_slots  # noqa: E402

PRACTITIONERS = 20
DAYS = 14
BOOKED = 2000
RUNS = 20
START_DAY = date(2026, 11, 16)  # a Monday


def build(seed=42):
	rng = random.Random(seed)
	units = [f"Room {i}" for i in range(12)] + ["Gym", "Group Room"]
	blocks = []
	for index in range(PRACTITIONERS):
		name = f"Dr {index:02d}"
		unit = units[index % len(units)]
		overlap = unit in ("Gym", "Group Room")
		for weekday in range(6 if index % 4 == 0 else 5):
			for start, end in ((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0))):
				blocks.append(
					ScheduleBlock(
						name, weekday, start, end, unit, allow_overlap=overlap, capacity=4 if overlap else 1
					)
				)
	booked = []
	for _ in range(BOOKED):
		index = rng.randrange(PRACTITIONERS)
		day = START_DAY + timedelta(days=rng.randrange(DAYS))
		hour = rng.choice((8, 9, 10, 11, 13, 14, 15, 16))
		start = datetime.combine(day, time(hour, rng.choice((0, 15, 30, 45))))
		unit = units[index % len(units)]
		booked.append(BookedAppointment(f"Dr {index:02d}", unit, start, rng.choice((15, 15, 30, 45))))
	closed = {f"Dr {i:02d}": {START_DAY + timedelta(days=i % DAYS)} for i in range(0, PRACTITIONERS, 5)}
	return blocks, booked, closed


def main():
	blocks, booked, closed = build()
	now = datetime.combine(START_DAY, time(10, 7))
	timings = []
	slots = []
	for _ in range(RUNS):
		began = clock.perf_counter()
		slots = free_slots(
			blocks,
			booked,
			start_day=START_DAY,
			days=DAYS,
			now=now,
			lead=timedelta(hours=2),
			closed_days=closed,
		)
		timings.append((clock.perf_counter() - began) * 1000)
	timings.sort()
	p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
	print(f"blocks={len(blocks)} booked={len(booked)} days={DAYS} runs={RUNS}")
	print(f"median={statistics.median(timings):.1f} ms p95={p95:.1f} ms slots={len(slots)}")


if __name__ == "__main__":
	main()
