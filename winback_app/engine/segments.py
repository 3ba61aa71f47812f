"""Campaign Segment configuration as plain data, and the checks a manager's edits must pass.

The desk controller turns the document into a SegmentSpec and shows whatever validate_segment returns.
This module never performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from winback_app.engine.nurture import DEFAULT_NURTURE_DAYS, DEFAULT_NURTURE_TEMPLATE, is_nurture_touch
from winback_app.engine.pacing import Pace
from winback_app.engine.templates import check_template

RULE_KINDS = (
	"Recall Window",
	"Unfinished Treatment",
	"Unfinished Therapy Plan",
	"Med Spa Maintenance",
	"Missed Appointment",
	"New Patient Never Booked",
	"Lapsed Membership",
	"Annual Check-in",
)

# Rule kinds whose window is measured in days and therefore needs a lower bound.
WINDOWED = {k for k in RULE_KINDS if k != "Missed Appointment"}
CHANNELS = ("SMS", "Email", "Call Task")
# "Only for" choices that limit plans rather than visits, and the rules that read them.
FILTER_ONLY_FOR = {
	"Therapy Plan Template": ("Med Spa Maintenance", "Unfinished Therapy Plan"),
	"Subscription Plan": ("Lapsed Membership",),
}


def base_language(code: str | None) -> str:
	"""'es-MX', 'es_mx', 'ES' -> 'es'; '' for none."""
	return (code or "").strip().lower().replace("_", "-").split("-")[0]


@dataclass(frozen=True)
class TouchWords:
	"""A step's words in one other language (a Cadence Touch Translation row)."""

	language: str
	template: str
	email_subject: str = ""


@dataclass(frozen=True)
class TouchSpec:
	day_offset: int
	channel: str
	template: str
	email_subject: str = ""
	skip_if_replied: bool = True
	name: str = ""
	send_at: time | None = None  # the patient's time of day for this step (None: the time they joined)
	variants: tuple[TouchWords, ...] = ()

	def words_for(self, language: str | None) -> tuple[str, str, str]:
		"""(template, email subject, the language they are in) for a patient of this language: the variant whose
		language matches ("es" covers "es-MX"), else the step's own words ("" as their language)."""
		wanted = base_language(language)
		if wanted:
			for variant in self.variants:
				if base_language(variant.language) == wanted:
					return variant.template, variant.email_subject or self.email_subject, wanted
		return self.template, self.email_subject, ""


@dataclass(frozen=True)
class SegmentSpec:
	name: str
	rule_kind: str
	priority: int = 50
	enabled: bool = False
	min_days: int | None = None
	max_days: int | None = None
	holdout_percent: float = 10.0
	reentry_cooldown_days: int = 90
	allow_clinical_detail: bool = False
	fall_back_to_email: bool = True
	# (doctype, value) pairs from the "Only for" table
	filters: tuple[tuple[str, str], ...] = ()
	touches: tuple[TouchSpec, ...] = field(default_factory=tuple)
	# After a "not now": one gentle SMS when the pause ends (engine.nurture), then the rest of the cadence.
	nurture_after_snooze: bool = True
	nurture_days: int = DEFAULT_NURTURE_DAYS  # the pause when the patient names no date
	nurture_template: str = DEFAULT_NURTURE_TEMPLATE
	# How many new patients a day it takes (engine.pacing): weekdays, a daily cap, pacing by capacity.
	pace: Pace = field(default_factory=Pace)

	def filter_values(self, doctype: str) -> frozenset[str]:
		return frozenset(v for d, v in self.filters if d == doctype)

	def touch(self, name: str | None) -> TouchSpec | None:
		"""The step an attempt was planned for: a cadence touch by its row name, or the nurture touch planned
		after a "not now" (engine.nurture: its name starts with NURTURE_PREFIX). None: the step is gone."""
		if is_nurture_touch(name):
			return self.nurture_touch(name)
		return next((t for t in self.touches if t.name == name), None)

	def nurture_touch(self, name: str) -> TouchSpec:
		# Planned is planned: a nurture touch already due still goes if the manager later turns nurture off.
		return TouchSpec(
			day_offset=0,
			channel="SMS",
			template=self.nurture_template or DEFAULT_NURTURE_TEMPLATE,
			skip_if_replied=False,  # the patient's "not now" is what asked for it
			name=name,
		)


@dataclass
class SegmentCheck:
	errors: list[str] = field(default_factory=list)
	warnings: list[str] = field(default_factory=list)


def validate_segment(spec: SegmentSpec, context: dict | None = None) -> SegmentCheck:
	"""Everything wrong with a campaign before it is saved. context: the sample values every template is test-
	rendered with, built by the sender's own context builder (the engine's samples when None)."""
	out = SegmentCheck()
	if spec.rule_kind not in RULE_KINDS:
		out.errors.append(f"Unknown rule: {spec.rule_kind}.")
	if spec.rule_kind in WINDOWED and spec.min_days is None:
		out.errors.append("Set From (days): the rule needs to know how long ago counts as lapsed.")
	if spec.min_days is not None and spec.max_days is not None and spec.max_days <= spec.min_days:
		out.errors.append("Until (days) must be greater than From (days).")
	if not 0 <= spec.holdout_percent <= 100:
		out.errors.append("Holdout must be between 0% and 100%.")
	elif spec.holdout_percent > 50:
		out.warnings.append("More than half of the patients will be held out and receive nothing.")
	if (
		spec.enabled
		and spec.rule_kind == "Med Spa Maintenance"
		and not spec.filter_values("Clinical Procedure Template")
		and not spec.filter_values("Therapy Plan Template")
	):
		out.errors.append(
			"Med spa maintenance needs at least one Clinical Procedure Template (or Therapy Plan Template) under "
			"Only for before it can be enabled."
		)
	for doctype, kinds in FILTER_ONLY_FOR.items():
		if spec.filter_values(doctype) and spec.rule_kind not in kinds:
			out.errors.append(f"Only for: {doctype} limits only {' and '.join(kinds).lower()} campaigns.")
	if not spec.touches:
		out.errors.append("Add at least one touch to the cadence.")
	if spec.pace.daily_cap < 0 or spec.pace.slots_per_patient < 0 or spec.pace.horizon_days < 0:
		out.errors.append("The pace settings cannot be negative.")
	if spec.pace.slots_per_patient > 0 and spec.pace.horizon_days < 1:
		out.errors.append("Pacing by free slots needs the number of days ahead to count them over.")

	seen: set[tuple[int, str]] = set()
	for index, touch in enumerate(sorted(spec.touches, key=lambda t: t.day_offset), start=1):
		label = f"Touch {index} (day {touch.day_offset}, {touch.channel})"
		if touch.channel not in CHANNELS:
			out.errors.append(f"{label}: unknown channel.")
			continue
		if touch.day_offset < 1:
			out.errors.append(f"{label}: the first day of a cadence is day 1.")
		if (touch.day_offset, touch.channel) in seen:
			out.errors.append(f"{label}: two touches on the same day and channel would double-send.")
		seen.add((touch.day_offset, touch.channel))
		if touch.channel == "Email" and not (touch.email_subject or "").strip():
			out.errors.append(f"{label}: an email needs a subject.")
		checks = [
			(
				"message",
				check_template(
					touch.template,
					channel=touch.channel,
					allow_clinical=spec.allow_clinical_detail,
					context=context,
				),
			)
		]
		if touch.channel == "Email" and touch.email_subject:
			checks.append(("subject", check_template(touch.email_subject, channel="Email", context=context)))
		for variant in touch.variants:
			lang = variant.language
			checks.append(
				(
					f"in {lang}",
					check_template(
						variant.template,
						channel=touch.channel,
						allow_clinical=spec.allow_clinical_detail,
						context=context,
					),
				)
			)
			if touch.channel == "Email":
				if not (variant.email_subject or "").strip():
					out.errors.append(f"{label} in {lang}: an email needs a subject.")
				else:
					checks.append(
						(
							f"subject in {lang}",
							check_template(variant.email_subject, channel="Email", context=context),
						)
					)
		for part, result in checks:
			out.errors.extend(f"{label} {part}: {e}" for e in result.errors)
			out.warnings.extend(f"{label} {part}: {w}" for w in result.warnings)
	if spec.nurture_after_snooze:
		if spec.nurture_days < 0:
			out.errors.append('The pause after a "not now" cannot be negative days.')
		result = check_template(
			spec.nurture_template or DEFAULT_NURTURE_TEMPLATE,
			channel="SMS",
			allow_clinical=spec.allow_clinical_detail,
			context=context,
		)
		out.errors.extend(f"Nurture message: {e}" for e in result.errors)
		out.warnings.extend(f"Nurture message: {w}" for w in result.warnings)
	return out
