"""The must-keep search is linear in the word and matches exactly what the pattern matches.

:data:`kompress.decision.mustkeep.MUST_KEEP` is the specification (and the quadratic
reference); :func:`~kompress.decision.mustkeep.must_keep_search` must give the identical
string on every word: random words over alphabets chosen to hit every branch and their
ties, and the adversarial shapes of issue #21.
"""

from __future__ import annotations

import random

import pytest

from kompress.decision.mustkeep import MUST_KEEP, must_keep_search

# Alphabets that make branches collide: dots, underscores, capitals next to lower case,
# digits, hex prefixes, slashes, dashes and quotes, and non-ASCII word characters
# (Python's \w and \d are Unicode: é, ß, Arabic-Indic digits, CJK).
ALPHABETS = [
    "ab.",
    "aB._",
    "aZ.0x_",
    "abcXYZ._/-",
    "a.b_1/-(\"'",
    "éaß._Z",
    "a.é٣_",
    "ab.CD.ef_GH",
    "xX0.-/'[{(",
    "aA.b中_9",
]

ADVERSARIAL = [
    "abcdefghijklmnopqrstuvwxyz" * 400,
    "a" * 10000 + ".",
    "a" * 10000 + ".9",
    "aé" * 5000 + ".b",
    "é" * 5000 + "a.b",
    "a." * 5000,
    "A" + "a" * 10000,
    "Aa" * 5000,
    "_" * 10000,
    "/" * 10000,
    "-" * 10000,
    "--" + "a" * 10000,
    "." * 10000,
    "0x" + "g" * 10000,
    "é" * 10000,
]


def _reference(word: str) -> str | None:
    m = MUST_KEEP.search(word)
    return m.group() if m else None


@pytest.mark.parametrize("alphabet", ALPHABETS)
def test_identical_to_the_pattern_on_random_words(alphabet: str) -> None:
    rng = random.Random(alphabet)
    for _ in range(3000):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14)))
        assert must_keep_search(word) == _reference(word), word


@pytest.mark.parametrize("word", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_identical_to_the_pattern_on_adversarial_words(word: str) -> None:
    assert must_keep_search(word) == _reference(word)


def test_identical_on_the_words_of_real_text() -> None:
    text = ("Traceback (most recent call last): File \"/usr/lib/python3.11/json/decoder.py\", line 355, in "
            "raw_decode ValueError: Expecting value --verbose -n 0x7fff2038 libsystem_kernel.dylib HttpClient "
            "well-known SIGILL a.b.c é.x x.é 3.14.15 __init__.py .so (--flag) foo_Bar.baz_9 it's not")
    for word in text.split():
        assert must_keep_search(word) == _reference(word), word


# Linear time is checked by benchmarks/bench_hardening.py (ratio of a 400 KB to a 100 KB word).
