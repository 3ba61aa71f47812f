"""Untrusted text made inert for storage: HTML-escaped, spreadsheet-formula-proof."""

import html

import pytest

from winback_app.engine.untrusted import as_html, as_text, escape, formula_guard, needs_formula_guard

PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"


def test_markup_is_stored_as_the_html_of_its_text():
	stored = as_text(PAYLOAD)
	assert "<" not in stored and ">" not in stored
	assert html.unescape(stored) == PAYLOAD, "shown as HTML, it reads exactly what the patient typed"


def test_quotes_and_apostrophes_stay_readable():
	assert as_text('I\'m "fine" & you?') == 'I\'m "fine" &amp; you?'


def test_rich_text_gets_line_breaks_and_no_tags():
	assert as_html("Hi\r\n<b>there</b>\nbye") == "Hi<br>&lt;b&gt;there&lt;/b&gt;<br>bye"


@pytest.mark.parametrize(
	"text",
	[
		'=HYPERLINK("http://evil.example","click")',
		"+1+cmd|' /C calc'!A0",
		"-2+3",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1",
		"\r=1+1",
		"  =1+1",
		"\n=1+1",
	],
)
def test_formula_openers_get_an_apostrophe(text):
	assert needs_formula_guard(text)
	assert formula_guard(text) == "'" + text
	assert as_text(text).startswith("'")
	assert as_html(text).startswith("'")


@pytest.mark.parametrize("text", ["", "Yes please", "'=already guarded", "2 pm?", "   ", "I'm in"])
def test_ordinary_text_is_left_alone(text):
	assert formula_guard(text) == text


def test_guard_is_idempotent():
	once = formula_guard("=1+1")
	assert formula_guard(once) == once


def test_limit_never_cuts_an_entity_or_overflows():
	text = "a" * 137 + "<b>"
	stored = escape(text, 140)
	assert len(stored) <= 140
	assert stored == "a" * 137  # "&lt;" would not fit whole
	assert len(as_text("<" * 100, 140)) == 140  # 35 whole entities
	assert as_text("<" * 100, 140) == "&lt;" * 35
