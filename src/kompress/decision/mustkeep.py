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
"""The must-keep pattern, as specified: the reference that :func:`must_keep_search` reproduces.

Do not ``search`` with it on untrusted text: its dotted-name branch rescans a run of word
characters from every start position, so a 100 KB word of letters takes seconds, 400 KB
minutes. :func:`must_keep_search` gives the identical match in linear time."""

# The pattern without the dotted-name branch: every remaining branch either matches where
# it starts or fails after a bounded look, except CamelCase, whose ``[a-z]+`` scans are
# disjoint between start positions; so a search is linear in the word.
_MUST_KEEP_REST = re.compile(
    r"""
    (?P<before>0x[0-9a-fA-F]+ | \d+(?:\.\d+)? | [A-Z_]{2,})
  | (?P<after>/[\w/.\-]{2,} | \.[a-z]{2,4}\b | ^[(\[{'"]?--?[a-zA-Z][\w-]* | [A-Z][a-z]+[A-Z]\w*)
    """,
    re.VERBOSE,
)
# Dotted names, found once per run of word characters instead of once per start position:
# ``[A-Za-z_]\w*`` cannot stop inside a run (``\w*`` never gives back a character that
# ``\.`` could match), so a dotted name starting anywhere in a run needs that run to end in
# ``.`` + ``[A-Za-z_]``, and the leftmost one starts at the run's first ``[A-Za-z_]``.
# ``(?<!\w)`` and the possessive ``\w++`` make each run cost one scan, not one per position.
_WORD_RUN_DOT = re.compile(r"(?<!\w)\w++(?=\.[A-Za-z_])")
_DOTTED_TAIL = re.compile(r"\.[A-Za-z_]\w*")
_ASCII_START = re.compile(r"[A-Za-z_]")


def _dotted_search(word: str) -> tuple[int, int] | None:
    """Span of the leftmost match of the dotted-name branch in ``word``, in linear time."""
    for run in _WORD_RUN_DOT.finditer(word):
        first = _ASCII_START.search(word, run.start(), run.end())
        if first is not None:
            tail = _DOTTED_TAIL.match(word, run.end())
            assert tail is not None  # the lookahead saw ``.`` + ``[A-Za-z_]``
            return first.start(), tail.end()
    return None


def must_keep_search(word: str) -> str | None:
    """The string ``MUST_KEEP.search(word)`` matches (or None), in linear time.

    Regex search takes the leftmost start position, and at that position the first
    branch that matches; the dotted-name branch is the fourth. So the dotted match wins
    when it starts before the other branches' match, or at the same place when that one
    is a later branch. Checked against :data:`MUST_KEEP` on random and adversarial words
    (tests/test_hardening_mustkeep.py) and by the golden outputs.
    """
    rest = _MUST_KEEP_REST.search(word)
    dotted = _dotted_search(word)
    if dotted is not None and (rest is None or dotted[0] < rest.start()
                               or (dotted[0] == rest.start() and rest.lastgroup == "after")):
        return word[dotted[0] : dotted[1]]
    return rest.group() if rest is not None else None


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
    return must_keep_search(word) is not None or is_polarity(word)


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
        hit = must_keep_search(word)
        if hit:
            out.append(hit)
    return out


def has_polarity(line: str) -> bool:
    """True when a word of ``line`` is a polarity word (:func:`is_polarity`)."""
    return any(is_polarity(w) for w in line.split())


def must_keep_mask(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`is_must_keep` of every word span ``text[start:end]``, as a bool array."""
    seen: dict[str, bool] = {}  # tool outputs repeat words a lot: test each distinct word once

    def test(word: str) -> bool:
        hit = seen.get(word)
        if hit is None:
            hit = seen[word] = is_must_keep(word)
        return hit

    return np.fromiter((test(text[s:e]) for s, e in zip(starts, ends)), dtype=bool, count=len(starts))
