"""Secret redaction for everything the serving layer writes down or sends back.

Tool outputs routinely contain credentials: ``env`` dumps, ``curl -v`` traces, config
files, CI logs, connection strings. Pairs are training data that outlive the session, so
every text is passed through :func:`redact` before it is stored, served by
``/v1/kompress/originals/<hash>`` or written to a log. A secret becomes
``[REDACTED:<kind>]``; for ``name: value`` shapes the name stays and only the value goes.
Over-redaction is the safe side of this trade: a few lost words in a training pair cost
nothing, a leaked key does.

Detection comes from three sources, so the list is not ours to keep up to date by hand:

* **detect-secrets** (Yelp, the field's maintained scanner): every regex-based plugin
  (AWS, Stripe, SendGrid, Slack tokens and webhooks, GitHub, GitLab, npm ``.npmrc``, PyPI,
  Twilio, Mailchimp, Telegram, Discord, JWT, Artifactory, Azure storage, IBM, Square,
  Softlayer, Cloudant, ``user:password@`` URLs, private keys). The public-IP plugin is
  left out (addresses are not credentials), and so is the keyword detector (its regexes
  backtrack quadratically on hostile input; our ``keyword`` rule covers the same shapes).
* **gitleaks-derived rules** for formats detect-secrets does not know: Hugging Face
  ``hf_``, bare npm ``npm_`` tokens, OpenAI/Anthropic ``sk-``, Google ``AIza``, fine-grained
  GitHub ``github_pat_``, ``Bearer`` tokens, and gitleaks' ``generic-api-key`` idea: a
  value after a key-like name (``token``, ``secret``, ``password``, ``api-key``,
  ``subscription-key`` ...), in ``NAME=value``, ``Name: value``, ``"name": "value"``
  and ``?name=value`` shapes, redacted when it is password-like or high in entropy
  (detect-secrets' own Shannon entropy).
* **header lines** (``Authorization``, ``Cookie``, ``Set-Cookie``, ``x-api-key`` ...) to
  the end of the line, and PEM private key blocks as a whole.

Scanning is linear in the text: every pattern runs over pieces of at most
:data:`_PIECE` characters (long lines are cut into overlapping windows, so a secret shorter
than :data:`_OVERLAP` is always whole in one of them), never over one 20 MB line at once.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterator

#: Longest piece any pattern sees at once, and the overlap between windows of a long line.
_PIECE = 16_384
_OVERLAP = 1_024

_KEY_WORDS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|credentials?|creds|token|api[_-]?key|apikey|access[_-]?key|"
    r"auth(?:orization)?[_-]?(?:key|token)?|private[_-]?key|client[_-]?secret|subscription[_-]?key|"
    r"session(?:[_-]?id)?|cookie|signature|sig|key"
)
#: Names whose value is always a secret, whatever it looks like (``password: hunter2``).
_ALWAYS = re.compile(r"(?i)pass|pwd|secret|cred|private")

# Our rules: (kind, pattern, group whose span is the secret: 0 = the whole match).
_RULES: list[tuple[str, re.Pattern[str], int]] = [
    ("private-key",
     re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S), 0),
    ("header",
     re.compile(r"(?im)\b(?:(?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|cookie|set-cookie)"
                r"[\"']?\s*[:=]\s*[\"']?(?P<value>[^\r\n\"']+)"), 1),
    ("bearer", re.compile(r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]+=*)"), 1),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), 0),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), 0),
    ("openai-key", re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), 0),
    ("aws-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0),
    ("aws-secret", re.compile(r"(?i)\baws_(?:secret_access_key|secret_key|session_token)[\"']?\s*[:=]\s*[\"']?(\S+)"), 1),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), 0),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), 0),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), 0),
    # gitleaks: huggingface-access-token, npm-access-token, gitlab-pat.
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z]{34}\b"), 0),
    ("npm-token", re.compile(r"(?i)\bnpm_[a-z0-9]{36}\b"), 0),
    ("gitlab-token", re.compile(r"\bgl(?:pat|ptt|rt|dt|ft|cbt|imt|oas|agent)-[A-Za-z0-9_-]{20,}"), 0),
    ("url-password", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@]{1,256}:([^\s/@]{1,256})@"), 1),
    # gitleaks' generic-api-key, shaped: a key-like name, a separator, a value.
    ("keyword",
     re.compile(rf"(?i)(?P<name>(?:{_KEY_WORDS})[A-Za-z0-9_.-]{{0,20}})[\"']?"
                r"[ \t]{0,4}(?::{1,2}=?|=>?|\?=)[ \t]{0,4}[\"'`]?(?P<value>[^\s\"'`,;&<>(){}\[\]]{4,400})"), 2),
    ("query-secret",
     re.compile(rf"(?i)[?&](?:{_KEY_WORDS}|access_token|code)=([^&\s#\"']{{4,400}})"), 1),
]


#: IPPublic: addresses are not credentials. OpenAI: its ``sk-[...]*[...]{20}T3BlbkFJ`` backtracks
#: quadratically on ``sk-sk-sk-...``; the ``openai-key`` rule above finds every such key anyway.
_SKIPPED_PLUGINS = frozenset({"IPPublicDetector", "OpenAIDetector"})


_GENERIC = frozenset({"keyword", "query-secret"})


@lru_cache(maxsize=1)
def _detect_secrets() -> list[tuple[str, re.Pattern[str], int]]:
    """detect-secrets' regex plugins as ``(kind, pattern, group)``.

    Their patterns are used directly (not ``scan_line``), so no global settings, baseline
    filters or network verification get involved; built once, on first use. Its keyword
    detector is *not* used: its regexes backtrack quadratically (``password`` repeated 4 KB
    times takes 4 s per regex), and a hostile tool output must not stall the store; the
    ``keyword`` rule above covers the same ``name = value`` shapes with bounded quantifiers.
    """
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    plugins: list[tuple[str, re.Pattern[str], int]] = []
    for cls in get_mapping_from_secret_type_to_class().values():
        if not issubclass(cls, RegexBasedDetector) or cls.__name__ in _SKIPPED_PLUGINS:
            continue
        # BasicAuth's group 1 is the password of ``scheme://user:password@``; the other plugins'
        # groups are pieces of the token (``glpat``), so the whole match is the secret.
        group = 1 if cls.__name__ == "BasicAuthDetector" else 0
        plugins.extend((_kind(cls.__name__), rx, group) for rx in cls.denylist)
    return plugins


def warm_up() -> None:
    """Build the scanners now (detect-secrets' import and pattern compilation), so that the
    first text redacted does not pay for it."""
    _detect_secrets()


def _kind(plugin: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", plugin.removesuffix("Detector")).lower()


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character (detect-secrets' measure, over the value's own
    characters)."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _looks_secret(name: str, value: str) -> bool:
    """Is ``value`` (after the key-like ``name``) a secret? Password-like names: always;
    other key-like names: when the value is long and random-looking (gitleaks: entropy 3.5;
    we go lower, over-redaction being the safe side)."""
    if value.startswith("[REDACTED") or value.lower() in ("null", "none", "true", "false", "undefined", "***"):
        return False
    if _ALWAYS.search(name):
        return True
    return len(value) >= 8 and _entropy(value) >= 3.0 and not value.isdigit()


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, piece)``: ``text`` in line-aligned pieces of at most ``_PIECE`` characters;
    a longer line in windows that overlap by ``_OVERLAP``."""
    start, n = 0, len(text)
    while start < n:
        if n - start <= _PIECE:
            yield start, text[start:]
            return
        cut = text.rfind("\n", start, start + _PIECE)
        if cut > start:
            yield start, text[start : cut + 1]
            start = cut + 1
        else:  # one line longer than a piece
            yield start, text[start : start + _PIECE]
            start += _PIECE - _OVERLAP


def find_secrets(text: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, kind)`` of the secrets in ``text``, sorted, overlaps merged."""
    if not text:
        return []
    plugins = _detect_secrets()

    def scan(offset: int, piece: str, rules: list[tuple[str, re.Pattern[str], int]], base: int) -> None:
        for i, (kind, rx, group) in enumerate(rules):
            for m in rx.finditer(piece):
                g = group if group <= rx.groups else 0
                s, e = m.span(g)
                if e - s < 4:
                    continue
                if "name" in rx.groupindex and not _looks_secret(m.group("name"), m.group(g)):
                    continue
                # Rank: named formats first, the generic name=value rules last, so a span
                # found by both is labelled by its format (``openai-key``, not ``keyword``).
                rank = base + i + (1000 if kind in _GENERIC else 0)
                spans.append((offset + s, rank, offset + e, kind))

    spans: list[tuple[int, int, int, str]] = []
    for offset, piece in _pieces(text):
        scan(offset, piece, _RULES, 0)
        scan(offset, piece, plugins, 100)
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for s, _, e, kind in spans:
        if merged and s <= merged[-1][1]:
            ps, pe, pk = merged[-1]
            merged[-1] = (ps, max(pe, e), pk)
        else:
            merged.append((s, e, kind))
    return merged


def redact(text: str) -> str:
    """Return ``text`` with every recognised secret replaced by ``[REDACTED:<kind>]``."""
    return _replace(text, find_secrets(text))


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with the ``spans`` (from :func:`find_secrets`) replaced by their markers."""
    if not spans:
        return text
    out, pos = [], 0
    for s, e, kind in spans:
        out.append(text[pos:s])
        out.append(f"[REDACTED:{kind}]")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def secret_values(text: str) -> set[str]:
    """The secret strings :func:`redact` finds in ``text``, and the words (8+ characters) of
    multi-word ones (a header value ``Basic abc...``)."""
    return _values(text, find_secrets(text))


def _values(text: str, spans: list[tuple[int, int, str]]) -> set[str]:
    found: set[str] = set()
    for s, e, _ in spans:
        value = text[s:e]
        found.add(value)
        found.update(w for w in value.split() if len(w) >= 8)
    return found


def redact_pair(original: str, compressed: str) -> tuple[str, str]:
    """Redact an (original, compressed) pair.

    Word-level compression can keep a secret while dropping what made it recognisable
    (``Authorization: Bearer tok123`` -> ``tok123``), so every secret found in the
    original is also scrubbed, as a literal string, from the compressed text.
    """
    original_r, compressed_r = redact_derived(original, compressed)
    return original_r, compressed_r  # type: ignore[return-value]


def redact_derived(original: str, *derived: str | None) -> tuple[str | None, ...]:
    """``original`` redacted, then each text derived from it or beside it (a compression, a
    query) redacted with the original's secrets also scrubbed from it as literal strings, as
    :func:`redact_pair` does; ``None`` stays ``None``. The original is scanned once (the
    scan is the cost: ~1.5 ms per KB; it used to run twice)."""
    spans = find_secrets(original)
    values = sorted(_values(original, spans), key=len, reverse=True)
    out: list[str | None] = [_replace(original, spans)]
    for text in derived:
        if text is not None:
            text = redact(text)
            for value in values:
                text = text.replace(value, "[REDACTED]")
        out.append(text)
    return tuple(out)


#: Kinds of our own rules (detect-secrets adds one per plugin, e.g. ``stripe``).
KINDS: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _, _ in _RULES))


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's message before a handler writes it.

    Installed on the proxy's log handlers (uvicorn's access log writes the request line,
    query string included: ``?key=...`` must not reach the log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: leave it to the handler's own error path
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install_log_redaction(*logger_names: str) -> None:
    """Add :class:`RedactingFilter` to every handler of the root logger and of ``logger_names``."""
    flt = RedactingFilter()
    for name in ("", *logger_names):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(flt)
