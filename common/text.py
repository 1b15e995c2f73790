"""Text hygiene shared by every door (form, API, import).

Invisible and bidirectional control characters (U+200B zero-width space, U+202E right-to-left
override, …) let a name look like another on a page or a PDF, and break code validation; they
are stripped from every text the platform stores, and from codes before they are validated.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters, bidi embeddings/overrides/isolates, word joiner, BOM, soft hyphen,
# and the C0/C1 controls other than tab, line feed and carriage return.
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)


def strip_invisible(text: str) -> str:
    """`text` in NFC with invisible and bidirectional control characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", text))


def clean_line(text: str) -> str:
    """A one-line value (name, code, document number): invisible characters and the line
    breaks removed, surrounding blanks (including the ideographic space) trimmed."""
    return re.sub(r"[\r\n\t]+", " ", strip_invisible(text)).strip(" \u3000")


def clean_text(text: str) -> str:
    """A multi-line value (description, reason): invisible characters removed, line breaks
    kept, surrounding blanks trimmed."""
    return strip_invisible(text).strip(" \t\r\n\u3000")
