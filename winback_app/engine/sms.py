"""What a text costs on the wire: its encoding and SMS segments, as carriers count them. Standard library only.

One job: sms_size(text) -> SmsSize. GSM 03.38's basic set costs one septet a character and its extension table
two; one character outside both (an emoji, "á", "í", "ó", "ú", "ç") turns the whole text into UCS-2, one UTF-16
unit a character. A single segment holds 160 septets or 70 units; a longer text is split into segments of 153 or
67 (the rest is the concatenation header). Spanish note: "é", "ñ", "ü", "¿" and "¡" are in the basic set, "á",
"í", "ó" and "ú" are not. engine.templates re-exports these names (its checks were their first users).
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set and its extension table (extension characters cost two septets).
GSM7_BASIC = set(
	"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

# What two segments hold: the longest automatic answer we let a conversation send.
TWO_SEGMENTS_GSM7 = 306
TWO_SEGMENTS_UCS2 = 134


@dataclass(frozen=True)
class SmsSize:
	encoding: str  # "GSM-7" or "UCS-2"
	characters: int  # septets for GSM-7, UTF-16 code units for UCS-2
	segments: int


def sms_size(text: str) -> SmsSize:
	"""How many SMS segments a text costs, as carriers count them (GSM-7 unless any character forces UCS-2)."""
	if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
		septets = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
		segments = 1 if septets <= 160 else -(-septets // 153)
		return SmsSize("GSM-7", septets, max(segments, 1) if text else 0)
	units = len(text.encode("utf-16-le")) // 2
	segments = 1 if units <= 70 else -(-units // 67)
	return SmsSize("UCS-2", units, segments)


def segments(text: str) -> int:
	return sms_size(text).segments
