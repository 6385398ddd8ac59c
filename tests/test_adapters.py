"""LangChain and LlamaIndex adapters, against the real packages (extra ``integrations``)."""

from __future__ import annotations

import asyncio

import pytest

from kompress.serving.server import create_app, serve_in_thread

from .conftest import SAMPLES

RATE = 0.5
# The first failure of the pytest sample: one encoder window, keeps the tests quick.
PYTEST_OUT = (SAMPLES / "pytest_failure.txt").read_text()[:1400]
GDB_OUT = (SAMPLES / "gdb_segfault.txt").read_text()


@pytest.fixture(scope="module")
def expected(minilm_compressor):
    return {t: minilm_compressor.compress(t, rate=RATE).to_dict() for t in (PYTEST_OUT, GDB_OUT)}


@pytest.fixture(scope="module")
def server_url(minilm_compressor):
    with serve_in_thread(create_app(minilm_compressor)) as url:
        yield url


def _stats(r: dict) -> dict:
    return {"kompress_domain": r["domain"], "kompress_keep_rate": r["keep_rate"],
            "kompress_tokens_in": r["tokens_in"], "kompress_tokens_out": r["tokens_out"]}


# ---------------------------------------------------------------- LangChain
def test_langchain_document_compressor(minilm_compressor, expected, server_url):
    pytest.importorskip("langchain_core")
    from langchain_core.documents import BaseDocumentCompressor, Document

    from kompress.integrations.langchain import KompressDocumentCompressor

    docs = [Document(page_content=PYTEST_OUT, metadata={"source": "ci/pytest.log"}, id="d1"),
            Document(page_content=GDB_OUT, metadata={"source": "gdb.txt"})]
    for comp in (KompressDocumentCompressor(compressor=minilm_compressor, rate=RATE),
                 KompressDocumentCompressor(server_url=server_url, rate=RATE)):
        assert isinstance(comp, BaseDocumentCompressor)
        out = comp.compress_documents(docs, query="why did the tests fail?")
        assert [d.page_content for d in out] == [expected[PYTEST_OUT]["text"], expected[GDB_OUT]["text"]]
        assert out[0].metadata == {"source": "ci/pytest.log", **_stats(expected[PYTEST_OUT])} and out[0].id == "d1"
        assert out[1].metadata["kompress_domain"] == "crash" and out[1].metadata["source"] == "gdb.txt"
        assert docs[0].page_content == PYTEST_OUT and docs[0].metadata == {"source": "ci/pytest.log"}  # untouched
    # The async path LangChain retrievers use.
    aout = asyncio.run(comp.acompress_documents(docs[1:], query="segfault?"))
    assert aout[0].page_content == expected[GDB_OUT]["text"]


def test_langchain_short_documents_pass_unchanged(minilm_compressor):
    pytest.importorskip("langchain_core")
    from langchain_core.documents import Document

    from kompress.integrations.langchain import KompressDocumentCompressor

    comp = KompressDocumentCompressor(compressor=minilm_compressor, rate=RATE, min_tokens=100)
    (out,) = comp.compress_documents([Document(page_content="exit code 137 (OOM killed)")], query="")
    assert out.page_content == "exit code 137 (OOM killed)" and out.metadata["kompress_keep_rate"] == 1.0


# ---------------------------------------------------------------- LlamaIndex
def test_llamaindex_node_postprocessor(minilm_compressor, expected, server_url):
    pytest.importorskip("llama_index.core")
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.schema import ImageNode, MetadataMode, NodeWithScore, TextNode

    from kompress.integrations.llamaindex import KompressNodePostprocessor

    nodes = [NodeWithScore(node=TextNode(text=PYTEST_OUT, id_="n1", metadata={"file": "pytest.log"}), score=0.9),
             NodeWithScore(node=TextNode(text=GDB_OUT, id_="n2"), score=0.4),
             NodeWithScore(node=ImageNode(image="aGVsbG8=", id_="img"), score=0.1)]
    for pp in (KompressNodePostprocessor(compressor=minilm_compressor, rate=RATE),
               KompressNodePostprocessor(server_url=server_url, rate=RATE)):
        assert isinstance(pp, BaseNodePostprocessor)
        out = pp.postprocess_nodes(nodes, query_str="why did it crash?")
        texts = [n.node.get_content(MetadataMode.NONE) for n in out[:2]]
        assert texts == [expected[PYTEST_OUT]["text"], expected[GDB_OUT]["text"]]
        assert [n.score for n in out] == [0.9, 0.4, 0.1] and [n.node.node_id for n in out] == ["n1", "n2", "img"]
        assert out[2] is nodes[2]  # not text: passed through
        assert out[0].node.metadata == {"file": "pytest.log", **_stats(expected[PYTEST_OUT])}
        # Our stats stay out of what the LLM and the embedder read; the user's metadata does not.
        llm_text = out[0].node.get_content(MetadataMode.LLM)
        assert "kompress_" not in llm_text and "pytest.log" in llm_text
        assert "kompress_" not in out[0].node.get_content(MetadataMode.EMBED)
        assert nodes[0].node.text == PYTEST_OUT and nodes[0].node.metadata == {"file": "pytest.log"}  # untouched


def test_llamaindex_in_a_query_engine(minilm_compressor, expected):
    """The postprocessor inside a real LlamaIndex query engine (mock embedder and LLM: no network)."""
    pytest.importorskip("llama_index.core")
    from llama_index.core import VectorStoreIndex
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.llms import MockLLM
    from llama_index.core.schema import MetadataMode, TextNode

    from kompress.integrations.llamaindex import KompressNodePostprocessor

    index = VectorStoreIndex([TextNode(text=PYTEST_OUT, id_="t"), TextNode(text=GDB_OUT, id_="g")],
                             embed_model=MockEmbedding(embed_dim=8))
    pp = KompressNodePostprocessor(compressor=minilm_compressor, rate=RATE)
    engine = index.as_query_engine(llm=MockLLM(), similarity_top_k=2, node_postprocessors=[pp])
    response = engine.query("why did the program crash?")
    got = {n.node.node_id: n.node.get_content(MetadataMode.NONE) for n in response.source_nodes}
    assert got == {"t": expected[PYTEST_OUT]["text"], "g": expected[GDB_OUT]["text"]}
