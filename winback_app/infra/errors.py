"""The app's one way to write an Error Log: what failed and where, never the data it was working on.

frappe.log_error() without a message stores the traceback *with every frame's local variables* (a chunk of
patients: names, numbers, emails, message bodies, live booking tokens), and an exception's own text can
carry a value too (a duplicate-key error quotes the phone number). So the log gets the exception's class,
the code path (file, line, function and source line of each frame: code, not data) and the record names the
caller passes. Never the exception's message, never locals, never a request form.
"""

from __future__ import annotations

import sys
import traceback

import frappe


def describe(exc: BaseException | None) -> str:
	"""Class and code path of an exception, without its message or any variable's value."""
	if exc is None:
		exc = sys.exc_info()[1]
	if exc is None:
		return ""
	frames = "".join(traceback.format_tb(exc.__traceback__)) if exc.__traceback__ else ""
	kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
	return f"{kind} (message withheld: it may quote patient data)\n{frames}".rstrip()


def log_error(
	title: str,
	exc: BaseException | None = None,
	*,
	doctype: str | None = None,
	name: str | None = None,
	records: list[str] | None = None,
) -> None:
	"""Write an Error Log with an explicit, data-free message. Never raises: logging must not break the batch."""
	lines = [describe(exc)]
	if records:
		lines.append("Records: " + ", ".join(str(r) for r in records[:50]))
	try:
		frappe.log_error(
			title=title[:140],
			message="\n".join(line for line in lines if line) or title,
			reference_doctype=doctype,
			reference_name=name,
		)
	except Exception:
		pass
