"""What scoring hands to the decision: one score and token count per word."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class WordScores:
    """Per word of a text (words as :func:`kompress.structure.units.word_spans`)."""

    starts: np.ndarray
    ends: np.ndarray
    scores: np.ndarray  # mean final score of each word's tokens
    n_tokens: np.ndarray  # model tokens per word
