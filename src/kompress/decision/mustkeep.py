"""What must never be dropped word by word: the must-keep pattern and polarity words.

The line-level guards built on them live in :mod:`kompress.decision.guards`.

The seed's pattern (blog post) is applied with ``re.search`` to one *word* (a maximal run
of non-whitespace). Our differences from the seed, on purpose:

* dotted names and CamelCase accept upper case (``Foo.bar``, ``HttpClient``);
* hex literals (``0x7fff2038``) are named explicitly (the seed relied on ``\\d+``);
* flags must start the word (``--verbose``, ``-n``), so ``well-known`` is not a flag;
* polarity words (``not``, ``never``, ``n't`` ...) are must-keep too: dropping them flips
  facts ("does not exist" -> "does exist").
"""

from __future__ import annotations

import re

import numpy as np

MUST_KEEP_WEIGHT = 3.0

MUST_KEEP = re.compile(
    r"""
    0x[0-9a-fA-F]+                     # hex: 0x7fff2038
  | \d+(?:\.\d+)?                      # numbers: 42, 3.14
  | [A-Z_]{2,}                         # ALL_CAPS: SIGILL, HTTP, EOF
  | [A-Za-z_]\w*\.[A-Za-z_]\w*         # dotted.names: libsystem_kernel.dylib
  | /[\w/.\-]{2,}                      # unix paths: /usr/lib/python3
  | \.[a-z]{2,4}\b                     # extensions: .py, .so, .json
  | ^[(\[{'"]?--?[a-zA-Z][\w-]*        # flags: --verbose, -n (at word start)
  | [A-Z][a-z]+[A-Z]\w*                # CamelCase: HttpClient, ValueError
    """,
    re.VERBOSE,
)

#: Words that carry polarity; compared lower-cased with surrounding punctuation stripped.
POLARITY_WORDS = frozenset(
    """
    not no never none nothing nobody nowhere neither nor cannot can't won't don't doesn't
    didn't isn't aren't wasn't weren't hasn't haven't hadn't couldn't shouldn't wouldn't
    mustn't n't without missing failed fail fails failing failure unable denied refused
    invalid unknown undefined unsupported unavailable incorrect mismatch forbidden
    """.split()
)

_STRIP = "\"'`.,;:!?()[]{}<>*"

def is_polarity(word: str) -> bool:
    """True when ``word`` (punctuation stripped, lower-cased) flips or negates a fact."""
    w = word.strip(_STRIP).lower()
    if not w:
        return False
    return w in POLARITY_WORDS or w.endswith("n't")


def is_must_keep(word: str) -> bool:
    """True when the word matches the must-keep pattern or is a polarity word."""
    return MUST_KEEP.search(word) is not None or is_polarity(word)


def must_keep_matches(text: str) -> list[str]:
    """All must-keep strings of ``text`` with repeats (for the exact_keep metric).

    Matches are taken per word, as in :func:`is_must_keep`; polarity words count whole.
    """
    out: list[str] = []
    for m in re.finditer(r"\S+", text):
        word = m.group()
        if is_polarity(word):
            out.append(word.strip(_STRIP))
            continue
        hit = MUST_KEEP.search(word)
        if hit:
            out.append(hit.group())
    return out


def has_polarity(line: str) -> bool:
    """True when a word of ``line`` is a polarity word (:func:`is_polarity`)."""
    return any(is_polarity(w) for w in line.split())


def must_keep_mask(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`is_must_keep` of every word span ``text[start:end]``, as a bool array."""
    return np.fromiter((is_must_keep(text[s:e]) for s, e in zip(starts, ends)), dtype=bool, count=len(starts))
