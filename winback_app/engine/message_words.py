"""Our own words inside a campaign message, in the languages we ship: the opt-out line and the greeting used when
a patient's first name cannot be shown. Plain data; sending/render.py prefers the site's own translation.

Spanish is kept GSM-7 (no á, í, ó or ú): the opt-out line goes into every first text, and one such letter would
make the whole text UCS-2, 70 characters a segment. This module never performs I/O.
"""

from __future__ import annotations

OPT_OUT_TEXT = "Reply STOP to opt out."
THERE = "there"  # "Hi there" when the first name cannot be shown

SHIPPED_WORDS: dict[str, dict[str, str]] = {
	"es": {OPT_OUT_TEXT: "Responda STOP para no recibir mensajes.", THERE: "Hola"},
}
