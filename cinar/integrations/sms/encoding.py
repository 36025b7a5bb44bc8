"""How many SMS segments a text needs.

A segment carries 140 octets: 160 characters of the GSM 03.38 7-bit alphabet, or 70
UTF-16 code units (UCS-2) when any character is outside it. Concatenated messages spend
a 6-octet header per segment: 153 GSM-7 characters or 67 UCS-2 units each. Characters of
the GSM extension table (``{ } [ ] ~ \\ | ^ €`` and form feed) take two septets.

Turkish: ``Ç ö Ö ü Ü`` are in the GSM alphabet, but ``ç ğ Ğ ş Ş ı İ`` are not (the
table has only the capital C cedilla), so a Turkish text with any of them goes out as
UCS-2 and fits 70 characters, not 160. (The
Turkish national language shift table of 3GPP TS 23.038 would keep them in 7 bits, but
handsets and Turkish gateways do not support it reliably; we do not count on it.)
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of one segment of this message

    @property
    def remaining(self) -> int:
        """Units left in the last segment."""
        return self.segments * self.per_segment - self.units


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_segments(text: str) -> SegmentInfo:
    """The encoding, length and number of segments of ``text``."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, multi, encoding = 160, 153, GSM7
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, UCS2
    if units <= single:
        return SegmentInfo(encoding, units, 1 if units else 0, single)
    segments = -(-units // multi)
    return SegmentInfo(encoding, units, segments, multi)
