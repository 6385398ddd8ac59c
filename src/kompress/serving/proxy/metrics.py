"""Prometheus metrics of one proxy instance (``GET /metrics``, text exposition format).

Each app gets its own registry, so several proxies (or tests) in one process never mix
their numbers. Names:

``kompress_proxy_requests_total{api}``            requests received (``api``: openai-chat,
                                                  openai-responses, anthropic-messages, other)
``kompress_proxy_tool_outputs_total{result}``     tool outputs seen, by what happened:
                                                  compressed, unchanged (nothing to remove or
                                                  below --min-tokens), excluded, file_read
                                                  (prints files: whole unless
                                                  --compress-file-reads), failed,
                                                  deferred (sent unchanged: not ready within
                                                  --budget-ms; compressed in the background)
``kompress_proxy_tool_outputs_compressed_total``  tool outputs forwarded compressed (or, in
                                                  shadow mode, that would have been)
``kompress_proxy_tokens_in_total``                model tokens of those outputs before ...
``kompress_proxy_tokens_out_total``               ... and after compression
``kompress_proxy_cache_hits_total``               outputs answered from the content-hash cache
``kompress_proxy_compression_seconds``            histogram: one model compression (a cache miss)
``kompress_proxy_errors_total{kind}``             errors by kind: parse, compress, timeout,
                                                  store, upstream
``kompress_proxy_pairs_stored_total``             pairs written to --log-db
``kompress_proxy_fallbacks_total{reason}``        requests sent with outputs left unchanged
                                                  because of --budget-ms, by reason (a request
                                                  counts once per reason): over_budget (the
                                                  output's estimated cost alone exceeds the
                                                  budget), backlog (the queue ahead would not
                                                  let it finish in time), deadline (admitted,
                                                  not done by the deadline)
``kompress_proxy_background_skipped_total``       outputs not compressed at all because the
                                                  background lane was full (a later turn retries)
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

ERROR_KINDS = ("parse", "compress", "timeout", "store", "upstream")
FALLBACK_REASONS = ("over_budget", "backlog", "deadline")


class Metrics:
    """The counters and histogram of one proxy, on a private registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("kompress_proxy_requests", "Requests received, by API flavour.", ["api"], registry=r)
        self.tool_outputs = Counter(
            "kompress_proxy_tool_outputs", "Tool outputs seen, by result.", ["result"], registry=r
        )
        self.compressed = Counter(
            "kompress_proxy_tool_outputs_compressed", "Tool outputs forwarded compressed.", registry=r
        )
        self.tokens_in = Counter("kompress_proxy_tokens_in", "Model tokens of compressed outputs, before.", registry=r)
        self.tokens_out = Counter("kompress_proxy_tokens_out", "Model tokens of compressed outputs, after.", registry=r)
        self.cache_hits = Counter("kompress_proxy_cache_hits", "Outputs answered from the cache.", registry=r)
        self.latency = Histogram(
            "kompress_proxy_compression_seconds",
            "Seconds per model compression (cache misses).",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
            registry=r,
        )
        self.errors = Counter("kompress_proxy_errors", "Errors, by kind.", ["kind"], registry=r)
        self.pairs_stored = Counter("kompress_proxy_pairs_stored", "Pairs written to the log DB.", registry=r)
        self.fallbacks = Counter(
            "kompress_proxy_fallbacks", "Requests sent with outputs unchanged because of the budget, by reason.",
            ["reason"], registry=r,
        )
        self.background_skipped = Counter(
            "kompress_proxy_background_skipped", "Outputs not compressed: the background lane was full.", registry=r
        )
        for kind in ERROR_KINDS:  # export zeros, so dashboards see every series from the start
            self.errors.labels(kind=kind)
        for reason in FALLBACK_REASONS:
            self.fallbacks.labels(reason=reason)

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
