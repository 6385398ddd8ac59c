"""Secret redaction for everything the proxy writes down (stored pairs, served originals).

Tool outputs routinely contain credentials: ``env`` dumps, ``curl -v`` traces, config
files, CI logs. Pairs are training data that outlive the session, so every text is passed
through :func:`redact` before it is stored. A secret becomes ``[REDACTED:<kind>]``; for
header-like lines the header name stays and only the value goes. Over-redaction is the
safe side of this trade: a few lost words in a training pair cost nothing, a leaked key does.

What is recognised (kinds in brackets):

* OpenAI / Anthropic keys ``sk-...``, ``sk-proj-...``, ``sk-ant-...`` (``openai-key``,
  ``anthropic-key``)
* AWS access key ids ``AKIA...`` / ``ASIA...`` (``aws-key-id``) and
  ``aws_secret_access_key = ...`` values (``aws-secret``)
* GitHub tokens ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_``/``github_pat_`` (``github-token``)
* Slack tokens ``xox[abprs]-...`` (``slack-token``), Google API keys ``AIza...`` (``google-key``)
* ``Authorization:``, ``Proxy-Authorization:``, ``x-api-key:``, ``api-key:``,
  ``Cookie:``/``Set-Cookie:`` header values, to the end of the line (``header``)
* ``Bearer <token>`` anywhere (``bearer``)
* JWTs ``eyJ....eyJ....<sig>`` (``jwt``)
* PEM private key blocks (``private-key``)
"""

from __future__ import annotations

import re

# Order matters: header lines first (they swallow whatever token follows on the line),
# then the more specific key formats before the generic ones (sk-ant- before sk-).
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "private-key",
        re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S),
        "[REDACTED:private-key]",
    ),
    (
        "header",
        re.compile(
            r"(?im)\b((?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|cookie|set-cookie)"
            r"(\s*[:=]\s*)(?P<value>[^\r\n]+)"
        ),
        r"\1\2[REDACTED:header]",
    ),
    ("bearer", re.compile(r"(?i)\b(bearer)\s+(?P<value>[A-Za-z0-9\-._~+/]+=*)"), r"\1 [REDACTED:bearer]"),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[REDACTED:jwt]"),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), "[REDACTED:anthropic-key]"),
    ("openai-key", re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "[REDACTED:openai-key]"),
    ("aws-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "[REDACTED:aws-key-id]"),
    (
        "aws-secret",
        re.compile(r"(?i)\b(aws_secret_access_key|aws_session_token)(\s*[:=]\s*)(?P<value>\S+)"),
        r"\1\2[REDACTED:aws-secret]",
    ),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"), "[REDACTED:github-token]"),
    ("slack-token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "[REDACTED:slack-token]"),
    ("google-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "[REDACTED:google-key]"),
]

KINDS: tuple[str, ...] = tuple(kind for kind, _, _ in _PATTERNS)


def redact(text: str) -> str:
    """Return ``text`` with every recognised secret replaced by ``[REDACTED:<kind>]``."""
    for _, pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text



def secret_values(text: str) -> set[str]:
    """The secret strings :func:`redact` finds in ``text``: whole matches, or for
    header-like patterns the words (8+ characters) of the value."""
    found: set[str] = set()
    for _, pattern, _ in _PATTERNS:
        for m in pattern.finditer(text):
            if "value" in pattern.groupindex:
                found.update(w for w in m.group("value").split() if len(w) >= 8)
            else:
                found.add(m.group(0))
    return found


def redact_pair(original: str, compressed: str) -> tuple[str, str]:
    """Redact an (original, compressed) pair.

    Word-level compression can keep a secret while dropping what made it recognisable
    (``Authorization: Bearer tok123`` -> ``tok123``), so every secret found in the
    original is also scrubbed, as a literal string, from the compressed text.
    """
    scrubbed = redact(compressed)
    for value in sorted(secret_values(original), key=len, reverse=True):
        scrubbed = scrubbed.replace(value, "[REDACTED]")
    return redact(original), scrubbed
