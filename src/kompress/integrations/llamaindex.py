"""LlamaIndex: a node postprocessor that shortens each retrieved node's text with Kompress.

```python
from kompress.integrations.llamaindex import KompressNodePostprocessor

pp = KompressNodePostprocessor(rate=0.5)                           # in-process ONNX, shipped model
pp = KompressNodePostprocessor(server_url="http://127.0.0.1:8719")  # a running `kompress serve`
query_engine = index.as_query_engine(node_postprocessors=[pp])
nodes = pp.postprocess_nodes(nodes)                                # or call it directly
```

Kompress is query-agnostic (it keeps errors, numbers, paths, identifiers for any
question), so the query bundle does not change the result. Returned nodes are copies
with the compressed text, the same score, and metadata ``kompress_domain``,
``kompress_keep_rate``, ``kompress_tokens_in``, ``kompress_tokens_out``, which are kept
out of the text sent to the LLM and the embedder. Image, non-text and empty nodes pass
through as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import ImageNode, MetadataMode, NodeWithScore, QueryBundle, TextNode

from kompress.integrations import compress_or_pass, stats_metadata


class KompressNodePostprocessor(BaseNodePostprocessor):
    """Compress each text node with Kompress (in-process or via ``kompress serve``)."""

    compressor: Any = Field(default=None, exclude=True,
                            description="A loaded kompress.Compressor; None loads `model` on first use.")
    model: str | None = Field(default=None, description="Model folder; None: the shipped model.")
    backend: Literal["auto", "onnx", "onnx-int8", "torch"] = "auto"
    """``auto``: ONNX Runtime (the shipped int8 graph); ``torch`` only when asked for."""
    fail_open: bool = True
    """On any compression error, pass the text on unchanged (logged) instead of raising."""
    server_url: str | None = Field(default=None, description="URL of a running `kompress serve`.")
    domain: str | None = None
    rate: float | None = None
    threshold: float | None = None
    granularity: Literal["auto", "word", "line"] = "auto"
    guard: bool = True
    min_tokens: int = Field(default=0, description="Nodes shorter than this (model tokens) pass unchanged.")

    @classmethod
    def class_name(cls) -> str:
        return "KompressNodePostprocessor"

    def _compress_node(self, item: NodeWithScore) -> NodeWithScore:
        node = item.node
        # ImageNode is a TextNode subclass; its text (a caption, if any) is not a tool output.
        if not isinstance(node, TextNode) or isinstance(node, ImageNode):
            return item
        text = node.get_content(metadata_mode=MetadataMode.NONE)
        if not text.strip():
            return item
        r = compress_or_pass(
            text, self.fail_open, compressor=self.compressor,
            server_url=self.server_url, model=self.model, backend=self.backend, domain=self.domain,
            rate=self.rate, threshold=self.threshold, granularity=self.granularity, guard=self.guard,
            min_tokens=self.min_tokens,
        )
        if r is None:
            return item
        stats = stats_metadata(r)
        new = node.model_copy()
        new.set_content(r["text"])
        # Fresh containers: a shallow copy would share (and so modify) the original's.
        new.metadata = {**node.metadata, **stats}
        new.excluded_llm_metadata_keys = [*node.excluded_llm_metadata_keys, *(k for k in stats
                                          if k not in node.excluded_llm_metadata_keys)]
        new.excluded_embed_metadata_keys = [*node.excluded_embed_metadata_keys, *(k for k in stats
                                            if k not in node.excluded_embed_metadata_keys)]
        return NodeWithScore(node=new, score=item.score)

    def _postprocess_nodes(
        self,
        nodes: list[NodeWithScore],
        query_bundle: QueryBundle | None = None,
    ) -> list[NodeWithScore]:
        """Compressed copies of ``nodes``, same order and scores."""
        return [self._compress_node(n) for n in nodes]
