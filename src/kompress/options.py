"""The decision options every entry point takes, checked in one place.

``Compressor.compress``, the rule baseline, the proxy's settings and the compress server
all accept ``threshold``/``rate``/``coverage``/``novelty``; one check gives them one set of
rules and messages. Kept free of numpy and torch so light modules (the proxy's config)
can import it.
"""

from __future__ import annotations


def check_options(threshold: float | None, rate: float | None, coverage: float | None = None,
                  novelty: float | None = None) -> None:
    """Raise ``ValueError`` naming the first bad option (None means "the model's default")."""
    if novelty is not None and not novelty >= 0.0:
        raise ValueError(f"novelty must be >= 0 (must-keep values per word), got {novelty}")
    if coverage is not None and not 0.0 <= coverage <= 1.0:
        raise ValueError(f"coverage must be in [0, 1], got {coverage}")
    if threshold is not None and rate is not None:
        raise ValueError("give threshold or rate, not both")
    if rate is not None and not 0.0 < rate <= 1.0:
        raise ValueError(f"rate must be in (0, 1], got {rate}")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
