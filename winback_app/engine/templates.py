"""Message templates: the documented context, rendering in a Jinja sandbox, and the checks run on save.

Templates are written by practice managers on a Campaign Segment. They are rendered in a sandboxed Jinja
environment (jinja2.sandbox.SandboxedEnvironment, the class Frappe's own renderer uses) with StrictUndefined
and *only* the context documented in CONTEXT_VARIABLES: no frappe globals, so a template can never read the
database or reach fields we did not decide to expose. This module never performs I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

# Variables every template may use, with a sample value used to test-render on save.
CONTEXT_VARIABLES: dict[str, str] = {
	"first_name": "Alex",
	"practice_name": "Bright Smile Dental",
	"practice_phone": "(555) 010-0100",
	"booking_link": "https://clinic.example/book/Xy7Qk2Lm9Np4Rs6T",
	"opt_out_text": "Reply STOP to opt out.",
	"last_visit_month": "March 2026",
	"practitioner_name": "Dr. Rivera",
}

# Variables that reveal clinical detail. They render in email, but an SMS template that uses them is
# refused unless the segment explicitly allows clinical detail (a text can be read on a lock screen).
CLINICAL_VARIABLES: dict[str, str] = {
	"procedure_name": "Periodic Exam",
	"appointment_type": "Hygiene Visit",
	"department": "Periodontics",
	"service_request": "Crown Prep",
	"diagnosis": "Gingivitis",
	"therapy_plan": "Physiotherapy Plan",
}

ALL_VARIABLES = {**CONTEXT_VARIABLES, **CLINICAL_VARIABLES}

# Clinical words written straight into an SMS template (not through a variable) are refused the same way.
CLINICAL_TERMS = (
	"diagnos",
	"botox",
	"neurotoxin",
	"dysport",
	"filler",
	"root canal",
	"implant",
	"extraction",
	"periodont",
	"gum disease",
	"cavity",
	"cavities",
	"biopsy",
	"crown",
	"prescription",
	"lab result",
	"test result",
	"treatment plan",
	"surgery",
	"infection",
)

# GSM 03.38 basic character set and its extension table (extension characters cost two septets).
GSM7_BASIC = set(
	"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_TERM_RE = re.compile("|".join(re.escape(t) for t in CLINICAL_TERMS), re.IGNORECASE)


@dataclass(frozen=True)
class SmsSize:
	encoding: str  # "GSM-7" or "UCS-2"
	characters: int  # septets for GSM-7, UTF-16 code units for UCS-2
	segments: int


@dataclass
class TemplateCheck:
	"""The outcome of checking one template. errors block saving; warnings are shown to the manager."""

	errors: list[str] = field(default_factory=list)
	warnings: list[str] = field(default_factory=list)
	rendered: str = ""
	sms_size: SmsSize | None = None

	@property
	def ok(self) -> bool:
		return not self.errors


def sms_size(text: str) -> SmsSize:
	"""How many SMS segments a text costs, as carriers count them (GSM-7 unless any character forces UCS-2)."""
	if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
		septets = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
		segments = 1 if septets <= 160 else -(-septets // 153)
		return SmsSize("GSM-7", septets, max(segments, 1) if text else 0)
	units = len(text.encode("utf-16-le")) // 2
	segments = 1 if units <= 70 else -(-units // 67)
	return SmsSize("UCS-2", units, segments)


def variables_used(template: str) -> set[str]:
	"""Every free name the template refers to. Raises TemplateSyntaxError on a malformed template."""
	return meta.find_undeclared_variables(_env.parse(template))


def render(template: str, context: dict) -> str:
	"""Render a template with exactly the given context; a missing variable raises jinja2.UndefinedError."""
	return _compiled(template).render(**context).strip()


_cache: dict[str, object] = {}


def _compiled(template: str):
	# Compiling is ~100x slower than rendering; dispatch renders the same few templates thousands of times.
	compiled = _cache.get(template)
	if compiled is None:
		if len(_cache) > 512:
			_cache.clear()
		compiled = _cache[template] = _env.from_string(template)
	return compiled


def check_template(template: str, *, channel: str, allow_clinical: bool = False) -> TemplateCheck:
	"""Check a Cadence Touch template before it is saved.

	channel is "SMS", "Email" or "Call Task". Errors: malformed Jinja, unknown variables, clinical detail in
	an SMS (unless allowed), an SMS with no booking link. Warnings: more than one SMS segment, UCS-2.
	"""
	result = TemplateCheck()
	if not (template or "").strip():
		result.errors.append("The message is empty.")
		return result
	try:
		used = variables_used(template)
	except TemplateSyntaxError as exc:
		result.errors.append(f"The template has a syntax error on line {exc.lineno}: {exc.message}")
		return result

	unknown = sorted(used - ALL_VARIABLES.keys())
	if unknown:
		result.errors.append(
			"Unknown variable(s): {}. Available: {}.".format(
				", ".join(unknown), ", ".join(sorted(ALL_VARIABLES))
			)
		)
		return result

	if channel == "SMS" and not allow_clinical:
		clinical = sorted(used & CLINICAL_VARIABLES.keys())
		if clinical:
			result.errors.append(
				"Clinical detail is not allowed in text messages: {}. Remove it, or allow clinical detail "
				"on this segment.".format(", ".join(clinical))
			)
		terms = sorted({m.group(0).lower() for m in _TERM_RE.finditer(template)})
		if terms:
			result.errors.append(
				"Clinical words are not allowed in text messages: {}. Remove them, or allow clinical "
				"detail on this segment.".format(", ".join(terms))
			)

	try:
		result.rendered = render(template, ALL_VARIABLES)
	except Exception as exc:  # the sandbox raises SecurityError, TypeError... for hostile templates
		result.errors.append(f"The template does not render: {exc}")
		return result

	if channel == "SMS":
		if "booking_link" not in used:
			result.errors.append(
				"A text message must include {{ booking_link }} so the patient can book in one tap."
			)
		size = sms_size(result.rendered)
		result.sms_size = size
		if size.encoding == "UCS-2":
			result.warnings.append(
				f"A character in this text (an emoji or accent) switches it to UCS-2: {size.characters} "
				f"characters cost {size.segments} segment(s) of 70."
			)
		elif size.segments > 1:
			result.warnings.append(
				f"This text is {size.characters} characters with sample values: {size.segments} SMS segments "
				"(one segment is 160)."
			)
	return result
