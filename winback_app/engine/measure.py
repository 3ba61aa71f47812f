"""Reactivation measurement: funnel shares and contacted-versus-holdout lift with a 95% interval.

One job: turn plain counts (lapses, reactivations, funnel stages) into the rates, lift and confidence
interval that the "Reactivation by Segment" report shows. The interval for a difference of two proportions
is Newcombe's hybrid score interval (method 10 in Newcombe 1998), built from the Wilson score interval of
each arm, so it stays inside [-1, 1] and behaves at 0% and 100%. This module never performs I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Two-sided 95%: the 0.975 quantile of the standard normal distribution.
Z_95 = 1.959963984540054


def _check_count(value: int, name: str) -> None:
	if isinstance(value, bool) or not isinstance(value, int):
		raise ValueError(f"{name} must be a whole number, got {value!r}.")
	if value < 0:
		raise ValueError(f"{name} cannot be negative, got {value}.")


def _check_part(part: int, whole: int, part_name: str, whole_name: str) -> None:
	_check_count(part, part_name)
	_check_count(whole, whole_name)
	if part > whole:
		raise ValueError(f"{part_name} ({part}) cannot exceed {whole_name} ({whole}).")


def _check_z(z: float) -> None:
	if not (isinstance(z, int | float) and math.isfinite(z) and z > 0):
		raise ValueError(f"z must be a positive finite number, got {z!r}.")


@dataclass(frozen=True)
class GroupCounts:
	"""One segment (and cycle), one arm: how many lapsed and how many of those came back."""

	lapses: int
	reactivated: int

	def __post_init__(self) -> None:
		_check_part(self.reactivated, self.lapses, "reactivated", "lapses")


@dataclass(frozen=True)
class Lift:
	treated_rate: float | None  # reactivated / lapses for the contacted arm; None when it has no lapses
	holdout_rate: float | None
	lift: float | None  # treated_rate - holdout_rate, absolute, in rate units (0..1)
	low: float | None  # 95% Newcombe hybrid score interval for the difference
	high: float | None
	relative: float | None  # lift / holdout_rate, only when holdout_rate > 0
	significant: bool  # the interval excludes 0


def rate(numerator: int, denominator: int) -> float | None:
	"""numerator / denominator as a proportion; None when the denominator is 0."""
	_check_part(numerator, denominator, "numerator", "denominator")
	if denominator == 0:
		return None
	return numerator / denominator


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
	"""Wilson score interval (no continuity correction) for successes / n; None when n is 0."""
	_check_part(successes, n, "successes", "n")
	_check_z(z)
	if n == 0:
		return None
	p = successes / n
	z2 = z * z
	denominator = 1 + z2 / n
	centre = (p + z2 / (2 * n)) / denominator
	half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
	# Exact bounds at the edges, and never let rounding push p outside its own interval.
	low = 0.0 if successes == 0 else min(max(centre - half, 0.0), p)
	high = 1.0 if successes == n else max(min(centre + half, 1.0), p)
	return low, high


def lift(treated: GroupCounts, holdout: GroupCounts, z: float = Z_95) -> Lift:
	"""Contacted rate minus holdout rate, with Newcombe's hybrid score interval for the difference."""
	_check_z(z)
	treated_rate = rate(treated.reactivated, treated.lapses)
	holdout_rate = rate(holdout.reactivated, holdout.lapses)
	if treated_rate is None or holdout_rate is None:
		return Lift(treated_rate, holdout_rate, None, None, None, None, False)
	l1, u1 = wilson(treated.reactivated, treated.lapses, z)
	l2, u2 = wilson(holdout.reactivated, holdout.lapses, z)
	p1, p2 = treated_rate, holdout_rate
	difference = p1 - p2
	low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
	high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
	# Mathematically within [-1, 1]; clamp only guards against floating-point overshoot.
	low = max(low, -1.0)
	high = min(high, 1.0)
	relative = difference / p2 if p2 > 0 else None
	return Lift(p1, p2, difference, low, high, relative, low > 0 or high < 0)


def funnel(stages: dict[str, int]) -> list[tuple[str, int, float | None]]:
	"""Each stage, in order, with its count and its share of the first stage (None when the first is 0)."""
	for name, count in stages.items():
		_check_count(count, f"Funnel stage {name!r}")
	if not stages:
		return []
	first = next(iter(stages.values()))
	return [(name, count, count / first if first else None) for name, count in stages.items()]
