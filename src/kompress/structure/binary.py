"""Binary data in a tool output: an image, an archive or a core file printed to the terminal."""

from __future__ import annotations

import re

#: Control characters no text uses (tab, newlines, form feed, backspace and ESC are text's: a
#: man page's overstrike, ANSI colours), C1 controls and U+FFFD (undecodable bytes).
_NOT_TEXT = re.compile("[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
#: Characters read to decide, and the share of them that makes a text binary.
SAMPLE_CHARS = 65_536
BINARY_SHARE = 0.10


def is_binary(text: str) -> bool:
    """Whether ``text`` is binary data decoded as text: at least :data:`BINARY_SHARE` of its
    first :data:`SAMPLE_CHARS` characters are ones no text holds."""
    head = text[:SAMPLE_CHARS]
    return bool(head) and len(_NOT_TEXT.findall(head)) >= BINARY_SHARE * len(head)
