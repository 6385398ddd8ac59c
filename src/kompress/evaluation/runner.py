"""One call from a model folder and a JSONL file to an evaluation and its written report
(the CLI's ``kompress eval`` and the pipeline's stage 3)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from kompress.compressor import Compressor
from kompress.evaluation.embedder import Embedder
from kompress.evaluation.evaluate import EvalRun, evaluate
from kompress.data.dataset import DataError
from kompress.evaluation.items import Item, load_examples
from kompress.evaluation.report import write_report
from kompress.version import __version__


def evaluate_model(
    model: str | os.PathLike | None,
    data: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    backend: str = "auto",
    limit: int | None = None,
    sim_model: str | None = "default",
    only: Sequence[str] | None = None,
    min_lines: int | None = None,
    **kwargs: Any,
) -> EvalRun:
    """Load a model folder and a JSONL file, evaluate, and write the report to ``out_dir``.

    The one-call entry point for the CLI, scripts and the pipeline; ``kwargs`` go to
    :func:`evaluate`. ``sim_model=None`` (or ``"none"``) skips ``sem_sim``. Raises
    :class:`~kompress.data.dataset.DataError`, :class:`SimModelError`, and the loading errors of
    :meth:`Compressor.load` (``NoTrainedModel``, ``BackboneNotFound``, ``FileNotFoundError``).
    ``only`` (labelled domains) and ``min_lines`` select items before ``limit`` counts them.
    """
    if only or min_lines:
        items = select_items(load_examples(data), only, min_lines)
        if not items:
            raise DataError(f"{data}: no examples of domain {', '.join(only or ['any'])} with at least "
                            f"{min_lines or 0} lines")
        items = items[:limit] if limit else items
    else:
        items = load_examples(data, limit=limit)
    # The sim model before the compressor: a bad name fails in a second, not after a load.
    embedder = Embedder(sim_model) if sim_model and sim_model.lower() != "none" else None
    comp = Compressor.load(model, backend=backend)
    run = evaluate(comp, items, embedder=embedder, meta=run_meta(comp, data), **kwargs)
    if out_dir is not None:
        write_report(run, out_dir)
    return run


def select_items(items: list[Item], only: Sequence[str] | None = None, min_lines: int | None = None) -> list[Item]:
    """The items of the labelled domains ``only`` (all when empty) with at least ``min_lines`` lines."""
    return [it for it in items if (not only or it.domain in only)
            and (not min_lines or it.text.count("\n") + (not it.text.endswith("\n")) >= min_lines)]


def run_meta(compressor: Compressor, data: str | os.PathLike) -> dict[str, Any]:
    """What the report says about the run's model and data."""
    return {
        "kompress_version": __version__,
        "model": str(compressor.model_dir) if compressor.model_dir else None,
        "model_trained": bool(getattr(compressor.config, "trained", False)),
        "backend": compressor.backend_name,
        "data": str(data),
    }
