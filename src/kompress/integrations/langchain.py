"""LangChain: a document compressor that shortens each retrieved document with Kompress.

```python
from kompress.integrations.langchain import KompressDocumentCompressor

compressor = KompressDocumentCompressor(rate=0.5)                  # in-process ONNX, shipped model
compressor = KompressDocumentCompressor(server_url="http://127.0.0.1:8719")  # a running `kompress serve`
docs = compressor.compress_documents(docs, query="why did the build fail?")
# e.g. inside langchain's ContextualCompressionRetriever(base_compressor=compressor, ...)
```

Kompress keeps what any agent needs (errors, numbers, paths, identifiers), not what one
query asks for, so ``query`` does not change the result. Each returned document is a new
:class:`~langchain_core.documents.Document` with the compressed text and the original
metadata plus ``kompress_domain``, ``kompress_keep_rate``, ``kompress_tokens_in`` and
``kompress_tokens_out``; the input documents are not modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import ConfigDict, Field

from kompress.integrations import compress_or_pass, stats_metadata


class KompressDocumentCompressor(BaseDocumentCompressor):
    """Compress each document's ``page_content`` with Kompress (in-process or via ``kompress serve``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    compressor: Any = Field(default=None, exclude=True)
    """A loaded :class:`kompress.Compressor`; ``None`` loads ``model`` on first use (shared per process)."""
    model: str | None = None
    """Model folder for in-process compression; ``None``: the shipped model."""
    backend: Literal["auto", "onnx", "onnx-int8", "torch"] = "auto"
    """``auto``: ONNX Runtime (the shipped int8 graph); ``torch`` only when asked for."""
    fail_open: bool = True
    """On any compression error, pass the text on unchanged (logged) instead of raising."""
    server_url: str | None = None
    """URL of a running ``kompress serve``; when set, no model is loaded here."""
    domain: str | None = None
    rate: float | None = None
    threshold: float | None = None
    granularity: Literal["auto", "word", "line"] = "auto"
    guard: bool = True
    min_tokens: int = 0
    """Documents shorter than this (in model tokens) come back unchanged."""

    def _compress_one(self, doc: Document) -> Document:
        r = compress_or_pass(
            doc.page_content, self.fail_open, compressor=self.compressor, server_url=self.server_url,
            model=self.model, backend=self.backend, domain=self.domain, rate=self.rate, threshold=self.threshold,
            granularity=self.granularity, guard=self.guard, min_tokens=self.min_tokens,
        )
        if r is None:
            return doc
        return Document(page_content=r["text"], metadata={**doc.metadata, **stats_metadata(r)}, id=doc.id)

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Return compressed copies of ``documents`` (``query`` is not used: see the module doc)."""
        return [self._compress_one(d) for d in documents]
