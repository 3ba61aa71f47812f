import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback_app.engine.measure import GroupCounts, funnel, lift, rate, wilson


def arm(reactivated, lapses):
	return GroupCounts(lapses=lapses, reactivated=reactivated)


# Wilson score interval: published values from Newcombe (1998), "Two-sided confidence intervals for the
# single proportion", Table I (method 3, score without continuity correction).
@pytest.mark.parametrize(
	("successes", "n", "low", "high"),
	[
		(81, 263, 0.2553, 0.3662),
		(15, 148, 0.0624, 0.1605),
		(0, 20, 0.0, 0.1611),
		(1, 29, 0.0061, 0.1718),
		(0, 10, 0.0, 0.2775),
		(10, 10, 0.7225, 1.0),
	],
)
def test_wilson_matches_published_values(successes, n, low, high):
	interval = wilson(successes, n)
	assert interval == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_wilson_edges_are_exact():
	assert wilson(0, 10)[0] == 0.0
	assert wilson(10, 10)[1] == 1.0


def test_wilson_of_empty_sample_is_none():
	assert wilson(0, 0) is None


def test_wilson_narrows_with_smaller_z():
	wide = wilson(30, 100)
	narrow = wilson(30, 100, z=1.0)
	assert wide[0] < narrow[0] < 0.3 < narrow[1] < wide[1]


# Newcombe (1998), "Interval estimation for the difference between independent proportions", Table II,
# method 10 (hybrid score, no continuity correction).
@pytest.mark.parametrize(
	("x1", "n1", "x2", "n2", "difference", "low", "high"),
	[
		(56, 70, 48, 80, 0.2, 0.0524, 0.3339),
		(9, 10, 3, 10, 0.6, 0.1705, 0.8090),
	],
)
def test_newcombe_hybrid_score_matches_worked_examples(x1, n1, x2, n2, difference, low, high):
	result = lift(arm(x1, n1), arm(x2, n2))
	assert result.treated_rate == pytest.approx(x1 / n1)
	assert result.holdout_rate == pytest.approx(x2 / n2)
	assert result.lift == pytest.approx(difference)
	assert result.low == pytest.approx(low, abs=1e-4)
	assert result.high == pytest.approx(high, abs=1e-4)
	assert result.significant is True


def test_swapping_arms_mirrors_the_interval():
	forward = lift(arm(56, 70), arm(48, 80))
	backward = lift(arm(48, 80), arm(56, 70))
	assert backward.lift == pytest.approx(-forward.lift)
	assert backward.low == pytest.approx(-forward.high)
	assert backward.high == pytest.approx(-forward.low)
	assert backward.significant is True


@pytest.mark.parametrize(
	("treated", "holdout", "treated_rate", "holdout_rate"),
	[
		(arm(0, 0), arm(3, 10), None, 0.3),
		(arm(3, 10), arm(0, 0), 0.3, None),
		(arm(0, 0), arm(0, 0), None, None),
	],
)
def test_empty_arm_gives_no_lift_and_no_interval(treated, holdout, treated_rate, holdout_rate):
	result = lift(treated, holdout)
	assert result.treated_rate == treated_rate
	assert result.holdout_rate == holdout_rate
	assert (result.lift, result.low, result.high, result.relative) == (None, None, None, None)
	assert result.significant is False


def test_identical_arms_are_not_significant():
	result = lift(arm(40, 200), arm(40, 200))
	assert result.lift == 0
	assert result.low < 0 < result.high
	assert result.significant is False
	assert result.relative == 0


def test_small_difference_on_small_arms_is_not_significant():
	result = lift(arm(6, 20), arm(4, 20))
	assert result.lift == pytest.approx(0.1)
	assert result.low < 0 < result.high
	assert result.significant is False


def test_big_clear_effect_is_significant():
	result = lift(arm(300, 1000), arm(100, 1000))
	assert result.lift == pytest.approx(0.2)
	assert 0 < result.low < 0.2 < result.high
	assert result.significant is True


def test_clear_negative_effect_is_significant_below_zero():
	result = lift(arm(100, 1000), arm(300, 1000))
	assert result.high < 0
	assert result.significant is True


def test_relative_lift_is_lift_over_holdout_rate():
	result = lift(arm(30, 100), arm(20, 100))
	assert result.lift == pytest.approx(0.1)
	assert result.relative == pytest.approx(0.5)


def test_relative_lift_is_none_when_holdout_rate_is_zero():
	result = lift(arm(5, 50), arm(0, 50))
	assert result.holdout_rate == 0
	assert result.lift == pytest.approx(0.1)
	assert result.relative is None


def test_rate():
	assert rate(1, 4) == 0.25
	assert rate(0, 7) == 0.0
	assert rate(0, 0) is None


def test_funnel_shares_of_first_stage_in_order():
	stages = {"Lapsed": 200, "Contacted": 150, "Replied": 50, "Booked": 20, "Reactivated": 0}
	assert funnel(stages) == [
		("Lapsed", 200, 1.0),
		("Contacted", 150, 0.75),
		("Replied", 50, 0.25),
		("Booked", 20, 0.1),
		("Reactivated", 0, 0.0),
	]


def test_funnel_order_is_the_callers_not_sorted():
	assert [name for name, _, _ in funnel({"b": 5, "a": 10, "c": 1})] == ["b", "a", "c"]


def test_funnel_with_empty_first_stage_has_no_shares():
	assert funnel({"Lapsed": 0, "Contacted": 0}) == [("Lapsed", 0, None), ("Contacted", 0, None)]


def test_empty_funnel():
	assert funnel({}) == []


@pytest.mark.parametrize(
	("call", "message"),
	[
		(lambda: wilson(-1, 10), "successes cannot be negative"),
		(lambda: wilson(11, 10), r"successes \(11\) cannot exceed n \(10\)"),
		(lambda: wilson(1, -1), "n cannot be negative"),
		(lambda: wilson(1, 10, z=0), "z must be a positive"),
		(lambda: wilson(1, 10, z=float("nan")), "z must be a positive"),
		(lambda: rate(5, 4), r"numerator \(5\) cannot exceed denominator \(4\)"),
		(lambda: rate(-1, 4), "numerator cannot be negative"),
		(lambda: rate(1.5, 4), "numerator must be a whole number"),
		(lambda: GroupCounts(lapses=10, reactivated=11), r"reactivated \(11\) cannot exceed lapses \(10\)"),
		(lambda: GroupCounts(lapses=-1, reactivated=0), "lapses cannot be negative"),
		(lambda: GroupCounts(lapses=10, reactivated=-2), "reactivated cannot be negative"),
		(lambda: lift(arm(1, 10), arm(1, 10), z=-1.96), "z must be a positive"),
		(lambda: funnel({"Lapsed": 10, "Contacted": -1}), "Funnel stage 'Contacted' cannot be negative"),
	],
)
def test_invalid_inputs_raise_value_error(call, message):
	with pytest.raises(ValueError, match=message):
		call()


@st.composite
def counts(draw):
	lapses = draw(st.integers(min_value=0, max_value=5000))
	return arm(draw(st.integers(min_value=0, max_value=lapses)), lapses)


@given(counts(), counts())
def test_interval_brackets_lift_and_stays_within_bounds(treated, holdout):
	result = lift(treated, holdout)
	if treated.lapses == 0 or holdout.lapses == 0:
		assert result.lift is None and result.low is None and result.high is None
		assert result.significant is False
		return
	assert -1.0 <= result.low <= result.lift <= result.high <= 1.0
	assert result.significant == (result.low > 0 or result.high < 0)


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_point_estimate(pair):
	successes, n = pair
	low, high = wilson(successes, n)
	assert 0.0 <= low <= successes / n <= high <= 1.0
