"""Message templates: the documented context, rendering in a bounded Jinja sandbox, and the checks run on save.

Templates are written by practice managers on a Campaign Segment. They are rendered in a sandboxed Jinja
environment (a subclass of jinja2.sandbox.SandboxedEnvironment, the class Frappe's own renderer uses) with
StrictUndefined and *only* the context documented in CONTEXT_VARIABLES: no frappe globals, so a template can
never read the database or reach fields we did not decide to expose.

Rendering is also bounded, so a template can never hang or swamp a worker (a manager's typo, or a loop, runs in
every dispatcher chunk): the output is produced with Template.generate() and stops past a character budget
(1,600 for a text, Twilio's ceiling); a wall-clock deadline is checked at every step the template can repeat
(each loop item, call, attribute lookup, operator and output chunk, so no signals or threads are needed); loops
take at most MAX_LOOP_ITEMS items per render; every intermediate value is size-checked before it is built
(`"x" * 10**9` and `9 ** 9 ** 9` are refused, not computed); and only a short list of filters, string methods
and globals exists. A template that breaks a bound raises a TemplateProblem (TemplateTooLarge or
TemplateTooSlow) whose message names the bound and never the patient's data: refused on save, and at send
the dispatcher skips the attempt with that message as the reason. This module never performs I/O.
"""

from __future__ import annotations

import contextvars
import functools
import re
import time
from dataclasses import dataclass, field

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.filters import do_replace
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import pass_eval_context
from jinja2.visitor import NodeTransformer

from winback_app.engine.booking_talk import question_details
from winback_app.engine.slots import PARTS
from winback_app.engine.sms import GSM7_BASIC, GSM7_EXTENDED, SmsSize, sms_size  # noqa: F401 (re-exported)

# Variables every template may use, with a sample value used to test-render on save.
CONTEXT_VARIABLES: dict[str, str] = {
	"first_name": "Alex",
	"practice_name": "Bright Smile Dental",
	"practice_phone": "(555) 010-0100",
	"booking_link": "https://clinic.example/book/Xy7Qk2Lm9Np4Rs6T",
	"opt_out_text": "Reply STOP to opt out.",
	"last_visit_month": "March 2026",
	"practitioner_name": "Dr. Rivera",
	# The parent a minor is reached through (Win-Back Settings > Reach minors through a parent or guardian);
	# empty in a message to the patient themself. A step that uses it is the manager's wording for parents.
	"guardian_first_name": "Jordan",
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
	# Not clinical, but private all the same (a payment that failed): email only unless allowed, like the above.
	# "past due" or "cancelled" for a lapsed membership, "" otherwise: a template compares it to these words.
	"membership_status": "past due",
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

# Bounds of one render. A real message renders in well under a millisecond and repeats nothing.
SMS_MAX_CHARS = 1600  # Twilio refuses longer bodies (it splits them into at most 10 segments)
EMAIL_MAX_CHARS = 100_000
MAX_TEMPLATE_CHARS = 20_000  # the template's own text
MAX_VALUE_CHARS = 100_000  # any string the template builds on the way
MAX_VALUE_ITEMS = 10_000  # any list or tuple it builds
MAX_INT_BITS = 4096
MAX_LOOP_ITEMS = 10_000  # all loop items of one render together
RENDER_SECONDS = 0.2
_OUTPUT_SLACK = 200  # whitespace around the message, trimmed after rendering


class TemplateProblem(Exception):
	"""A template that cannot be used as written. The message names the rule it broke, never a value."""


class TemplateTooLarge(TemplateProblem):
	"""The template, its output or a value it builds is over its size limit."""


class TemplateTooSlow(TemplateProblem):
	"""The template repeats too much or runs past its deadline."""


def max_chars_for(channel: str) -> int:
	"""The output budget of a message on this channel ("SMS", "Email", "Call Task")."""
	return SMS_MAX_CHARS if channel == "SMS" else EMAIL_MAX_CHARS


@dataclass
class _Budget:
	deadline: float
	seconds: float = RENDER_SECONDS
	loop_items: int = 0

	def tick(self) -> None:
		if time.monotonic() > self.deadline:
			raise TemplateTooSlow(f"The template takes longer than {self.seconds:g} s to render.")

	def step(self) -> None:
		self.loop_items += 1
		if self.loop_items > MAX_LOOP_ITEMS:
			raise TemplateTooSlow(f"The template repeats more than {MAX_LOOP_ITEMS:,} times.")
		self.tick()


# The budget of the render in progress (one per thread / task; a template cannot see or replace it). Outside a
# render (Jinja folds constants while compiling) there is no deadline, only the size checks.
_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
	"winback_template_budget", default=None
)
_NO_DEADLINE = _Budget(deadline=float("inf"))


def _current() -> _Budget:
	return _budget.get() or _NO_DEADLINE


def _weight(value, limit: int) -> int:
	"""About how many characters str(value) would take, counted without building it; stops past limit.

	Lists can nest references to one another ([b, b, b] of [a, a, a] ...): cheap to build, ruinous to print,
	so every place that turns a value into text (output, ~, filters, calls) weighs it first."""
	total, stack = 0, [value]
	while stack and total <= limit:
		item = stack.pop()
		if isinstance(item, str):
			total += len(item)
		elif isinstance(item, list | tuple | set | frozenset):
			total += 2 + 2 * len(item)
			stack.extend(item)
		elif isinstance(item, dict):
			total += 2 + 4 * len(item)
			stack.extend(item.keys())
			stack.extend(item.values())
		elif isinstance(item, int):
			total += item.bit_length() // 3 + 1
		else:
			total += 8
	return total


def _check_size(value):
	kind = type(value)
	if kind is str:  # the common case, first
		if len(value) > MAX_VALUE_CHARS:
			raise TemplateTooLarge(f"The template builds a text longer than {MAX_VALUE_CHARS:,} characters.")
		return value
	if kind is float or kind is bool or value is None:
		return value
	if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
		raise TemplateTooLarge("The template builds a number too large to print.")
	if isinstance(value, list | tuple) and len(value) > MAX_VALUE_ITEMS:
		raise TemplateTooLarge(f"The template builds a list longer than {MAX_VALUE_ITEMS:,} items.")
	if _weight(value, MAX_VALUE_CHARS) > MAX_VALUE_CHARS:
		raise TemplateTooLarge(f"The template builds a text longer than {MAX_VALUE_CHARS:,} characters.")
	return value


def _guarded(func):
	"""A filter whose inputs and output are weighed (and the deadline checked) around the call."""

	@functools.wraps(func)  # keeps Jinja's pass_context / pass_eval_context marks
	def guarded(*args, **kwargs):
		_current().tick()
		for arg in (*args, *kwargs.values()):
			_check_size(arg)
		return _check_size(func(*args, **kwargs))

	return guarded


def _finalize(value):
	"""Every {{ }} output, weighed before it is turned into text."""
	_current().tick()
	return _check_size(value)


def _check_length(length: int, like) -> None:
	"""Refuse a string (or list) of this length before it is built."""
	if isinstance(like, str) and length > MAX_VALUE_CHARS:
		raise TemplateTooLarge(f"The template builds a text longer than {MAX_VALUE_CHARS:,} characters.")
	if not isinstance(like, str) and length > MAX_VALUE_ITEMS:
		raise TemplateTooLarge(f"The template builds a list longer than {MAX_VALUE_ITEMS:,} items.")


def _size_after(operator: str, left, right) -> None:
	"""Refuse an operation whose result would be too large, before Python builds it."""
	sequences = (str, list, tuple)
	too_big = TemplateTooLarge("The template builds a number too large to print.")
	if operator == "*":
		for seq, times in ((left, right), (right, left)):
			if isinstance(seq, sequences) and isinstance(times, int):
				_check_length(len(seq) * max(times, 0), seq)
		if isinstance(left, int) and isinstance(right, int):
			if left.bit_length() + right.bit_length() > MAX_INT_BITS:
				raise too_big
	elif operator == "**":
		if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
			if (abs(left).bit_length() - 1) * right > MAX_INT_BITS:
				raise too_big
	elif operator == "+":
		if isinstance(left, sequences) and isinstance(right, sequences):
			_check_length(len(left) + len(right), left)
	elif operator == "%":
		if isinstance(left, str):
			raise TemplateProblem("Formatting text with % is not available in templates.")


def _bounded_join(parts) -> str:
	"""Jinja's own join (block captures, macro bodies, filter blocks), refusing before building too much."""
	parts = list(parts)
	total = 0
	for part in parts:
		total += len(part)
		if total > MAX_VALUE_CHARS:
			raise TemplateTooLarge(f"The template builds a text longer than {MAX_VALUE_CHARS:,} characters.")
	return "".join(parts)


def _bounded_range(*args) -> range:
	numbers = range(*args)
	if len(numbers) > MAX_LOOP_ITEMS:
		raise TemplateTooSlow(f"The template repeats more than {MAX_LOOP_ITEMS:,} times.")
	return numbers


@pass_eval_context
def _bounded_replace(eval_ctx, s, old, new, count=None):
	text, old, new = str(s), str(old), str(new)
	hits = text.count(old) if old else len(text) + 1
	if count is not None and count >= 0:
		hits = min(hits, count)
	if len(text) + max(0, len(new) - len(old)) * hits > MAX_VALUE_CHARS:
		raise TemplateTooLarge(f"The template builds a text longer than {MAX_VALUE_CHARS:,} characters.")
	return do_replace(eval_ctx, s, old, new, count)


# Filters a message needs; each one's output is at most a small multiple of its input.
_FILTERS = {
	name: DEFAULT_FILTERS[name]
	for name in (
		"abs",
		"capitalize",
		"count",
		"d",
		"default",
		"e",
		"escape",
		"first",
		"float",
		"int",
		"last",
		"length",
		"lower",
		"round",
		"string",
		"striptags",
		"title",
		"trim",
		"truncate",
		"upper",
		"urlencode",
		"wordcount",
	)
}
_FILTERS["replace"] = _bounded_replace
_FILTERS = {name: _guarded(func) for name, func in _FILTERS.items()}
# String methods a template may call ("{{ first_name.title() }}"); none can grow its input.
_STR_METHODS = frozenset(
	("capitalize", "endswith", "lower", "lstrip", "rstrip", "startswith", "strip", "title", "upper")
)


class _BoundedEnvironment(SandboxedEnvironment):
	"""The sandbox, with every place a template can repeat or grow checked against the render's budget."""

	intercepted_binops = frozenset(("*", "**", "+", "%"))
	concat = staticmethod(_bounded_join)

	def is_safe_attribute(self, obj, attr, value) -> bool:
		if not super().is_safe_attribute(obj, attr, value) or attr in ("format", "format_map"):
			return False
		if isinstance(obj, str):
			return attr in _STR_METHODS
		if isinstance(obj, LoopContext):
			return True
		return not callable(value)  # data only: no list.append, dict.update, ...

	def wrap_str_format(self, value):
		return None  # str.format is refused by is_safe_attribute, not wrapped

	def getattr(self, obj, attribute):
		_current().tick()
		return super().getattr(obj, attribute)

	def getitem(self, obj, argument):
		_current().tick()
		return super().getitem(obj, argument)

	def call_binop(self, context, operator, left, right):
		_current().tick()
		_size_after(operator, left, right)  # before: a length or a number too large to build at all
		return _check_size(self.binop_table[operator](left, right))

	def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
		_current().tick()
		for arg in (*args, *kwargs.values()):
			_check_size(arg)
		return _check_size(super().call(__context, __obj, *args, **kwargs))

	def winback_iter(self, iterable):
		"""Every loop's items pass through here (see _BoundLoops): counted and timed, one by one."""
		budget = _current()
		for item in iterable:
			budget.step()
			yield item

	def winback_concat(self, *parts) -> str:
		"""The ~ operator."""
		for part in parts:
			_check_size(part)
		return _bounded_join([str(part) for part in parts])


class _BoundLoops(NodeTransformer):
	"""Rewrites the parsed template so every loop iterates through environment.winback_iter and every ~ goes
	through environment.winback_concat. Environment attributes cannot be shadowed by a template's {% set %}."""

	def __init__(self, environment):
		self.environment = environment

	def _call(self, name: str, args: list, lineno: int) -> nodes.Call:
		call = nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None)
		call.set_lineno(lineno)
		call.set_environment(self.environment)
		return call

	def visit_For(self, node):
		node = self.generic_visit(node)
		node.iter = self._call("winback_iter", [node.iter], node.lineno)
		return node

	def visit_Concat(self, node):
		node = self.generic_visit(node)
		return self._call("winback_concat", list(node.nodes), node.lineno)


# optimized=False: Jinja folds constant expressions while compiling (`"x" * 10**9` would be built at save
# time); folded or not, everything then runs under the budget.
_env = _BoundedEnvironment(
	undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, optimized=False
)
_env.filters = dict(_FILTERS)
_env.globals = {"range": _bounded_range}
_env.finalize = _finalize
_TERM_RE = re.compile("|".join(re.escape(t) for t in CLINICAL_TERMS), re.IGNORECASE)


@dataclass
class TemplateCheck:
	"""The outcome of checking one template. errors block saving; warnings are shown to the manager."""

	errors: list[str] = field(default_factory=list)
	warnings: list[str] = field(default_factory=list)
	rendered: str = ""
	sms_size: SmsSize | None = None
	# The question a text asks, as replies to it are read (engine.booking_talk: "parts", "next", "day" or None).
	question: str | None = None

	@property
	def ok(self) -> bool:
		return not self.errors


def variables_used(template: str) -> set[str]:
	"""Every free name the template refers to. Raises TemplateSyntaxError on a malformed template."""
	return meta.find_undeclared_variables(_env.parse(template))


def render(
	template: str, context: dict, *, max_chars: int = EMAIL_MAX_CHARS, seconds: float = RENDER_SECONDS
) -> str:
	"""Render a template with exactly the given context, trimmed.

	Raises jinja2.UndefinedError for a missing variable, TemplateTooLarge when the output (or anything built on
	the way) passes its budget (max_chars: SMS_MAX_CHARS for a text, see max_chars_for), TemplateTooSlow past
	the deadline or MAX_LOOP_ITEMS. Production stops at the first chunk over budget: nothing more is built.
	"""
	if len(template) > MAX_TEMPLATE_CHARS:
		raise TemplateTooLarge(f"The template is longer than {MAX_TEMPLATE_CHARS:,} characters.")
	compiled = _compiled(template)
	budget = _Budget(deadline=time.monotonic() + seconds, seconds=seconds)
	token = _budget.set(budget)
	limit = max_chars + _OUTPUT_SLACK
	parts: list[str] = []
	size = 0
	stream = compiled.generate(**context)
	try:
		for chunk in stream:
			size += len(chunk)
			if size > limit:
				break
			budget.tick()
			parts.append(chunk)
	finally:
		stream.close()
		_budget.reset(token)
	text = "".join(parts).strip()
	if size > limit or len(text) > max_chars:
		raise TemplateTooLarge(f"The message is longer than {max_chars:,} characters.")
	return text


_cache: dict[str, object] = {}


def _compiled(template: str):
	# Compiling is ~100x slower than rendering; dispatch renders the same few templates thousands of times.
	compiled = _cache.get(template)
	if compiled is None:
		if len(_cache) > 512:
			_cache.clear()
		tree = _BoundLoops(_env).visit(_env.parse(template))
		compiled = _env.template_class.from_code(_env, _env.compile(tree), _env.make_globals(None), None)
		_cache[template] = compiled
	return compiled


def check_template(
	template: str, *, channel: str, allow_clinical: bool = False, context: dict | None = None
) -> TemplateCheck:
	"""Check a Cadence Touch template before it is saved.

	channel is "SMS", "Email" or "Call Task". Errors: malformed Jinja, unknown variables, clinical detail in
	an SMS (unless allowed), an SMS with no booking link, a render that breaks a bound (longer than 1,600
	characters for an SMS, too slow, too repetitive), an SMS that numbers the parts of the day otherwise than
	replies are read (1 mornings, 2 afternoons, 3 evenings). Warnings: more than one SMS segment, UCS-2, an
	offer of 1/2/3 that leaves a part of the day out, an "A" that does not say it is the next available time,
	both offers in one text.
	context: the values to test-render with, as the sender builds them (sending.render.sample_context); the
	sample values of ALL_VARIABLES when none is given.
	"""
	result = TemplateCheck()
	if not (template or "").strip():
		result.errors.append("The message is empty.")
		return result
	if len(template) > MAX_TEMPLATE_CHARS:
		result.errors.append(f"The template is longer than {MAX_TEMPLATE_CHARS:,} characters.")
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
		result.rendered = render(
			template, {**ALL_VARIABLES, **(context or {})}, max_chars=max_chars_for(channel)
		)
	except TemplateProblem as exc:
		result.errors.append(f"{exc} It cannot be sent.")
		return result
	except Exception as exc:  # the sandbox raises SecurityError, TypeError... for hostile templates
		result.errors.append(f"The template does not render: {exc}")
		return result

	if channel == "SMS":
		if "booking_link" not in used:
			result.errors.append(
				"A text message must include {{ booking_link }} so the patient can book in one tap."
			)
		_check_question(result)
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


_PART_WORDS = {"morning": "mornings", "afternoon": "afternoons", "evening": "evenings"}


def _check_question(result: TemplateCheck) -> None:
	"""The offers a text makes, as a patient's reply to it will be read (engine.booking_talk.read)."""
	found = question_details(result.rendered)
	result.question = found.kind
	if found.parts:
		wrong = [(digit, part) for digit, part in found.parts if PARTS[digit - 1] != part]
		if wrong:
			result.errors.append(
				"Replies to this text are read as 1 for mornings, 2 for afternoons and 3 for evenings, but it offers "
				+ ", ".join(f"{digit} for {_PART_WORDS[part]}" for digit, part in wrong)
				+ ". Number the parts of the day that way."
			)
		else:
			offered = {part for _digit, part in found.parts}
			missing = [(index, part) for index, part in enumerate(PARTS, start=1) if part not in offered]
			if missing:
				result.warnings.append(
					"This text offers a part of the day by number but leaves out "
					+ " and ".join(f"{index} for {_PART_WORDS[part]}" for index, part in missing)
					+ ": a patient who replies "
					+ " or ".join(str(index) for index, _part in missing)
					+ " will still be offered those times."
				)
	if found.letter and not found.says_next:
		result.warnings.append(
			'This text offers "A" without saying what it is: a reply of A is read as the next available time, so '
			'say so (for example "Reply A for the next available time").'
		)
	if found.letter and found.parts:
		result.warnings.append(
			'This text offers both "A" and 1, 2 or 3: replies are read against the "A" offer, so a 1, 2 or 3 goes '
			"to a person. Offer one of them."
		)
