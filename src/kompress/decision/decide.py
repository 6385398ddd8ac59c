"""The keep/drop decision: word scores + the model's policy + the call's options -> kept units.

Pure (no encoder, no I/O): the compressor scores a text once and calls :func:`decide`; the
evaluation's threshold sweep and the rule teacher call it with their own scores. Steps:

1. select units: words (``word`` granularity) or whole lines (``line``) scoring above the
   domain's threshold, or the best ``rate`` share; in word granularity only prose lines
   (:mod:`kompress.structure.prose`) may lose words inside them, other lines stay whole or go;
2. the structure frame (:mod:`kompress.decision.frame`, line granularity, ``structure`` on):
   the first line of every event template, the first JSON items, the first entries of a
   folder stay; a repeat stays only when the model scores it ``policy.repeat_margin`` above
   its group's median (and above the threshold), and no guard forces it;
3. guards (:mod:`kompress.decision.guards`, when ``guard`` is on): critical lines and the last
   line stay, must-keep words stay (word mode), polarity lines, traceback frames and the
   optional coverage floor / novelty rule (line mode);
4. a run of dropped lines shorter than the marker that would replace it is kept verbatim.

Rendering the kept units as text is :mod:`kompress.rendering.render`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from kompress.decision.frame import (
    PLACE_NAME, TOOL_ALERTS, Frame, build_frame, describe_run, is_alert, verdict_frame,
)
from kompress.decision.guards import (
    backtrace_guard, coverage_guard, detail_line_indices, guard_line_indices, program_line_indices, record_mates,
    block_heading, opened_blocks, result_line_indices, ruled_record_headings, syscall_stack_guard, tree_ancestors,
)
from kompress.decision.mustkeep import has_polarity, is_must_keep, must_keep_mask
from kompress.decision.options import CompressOptions
from kompress.decision.policy import DecisionPolicy
from kompress.decision.query import fused_scores, line_features
from kompress.rendering.render import marker
from kompress.scoring.scores import WordScores, line_scores
from kompress.structure.prose import is_prose, odd_records, rare_openers, structured_lines
from kompress.structure.units import LineView, line_spans, words_to_lines

#: Words up to which a line with a polarity word is one statement the guard keeps (line mode).
POLARITY_LINE_WORDS = 40

#: Domains whose first line with words stays whole: a tool's own report (a linter's, a
#: migration tool's) may print its verdict or what ran first ("Schema validation errors were
#: encountered.", "Migrations for 'catalog':"), which the tail does not hold; one line. Crash
#: reports, tracebacks, diffs, logs, JSON and listings have their own structure for that.
HEAD_DOMAINS = frozenset({"text", "build"})
#: A prose line keeping at most this many of its words, under this share of them, is a
#: fragment: whole around a must-keep or polarity word, else gone (see ``decide``).
FRAGMENT_WORDS, FRAGMENT_SHARE = 4, 0.25
#: Alerting lines the encoder never read that stay (an input over its read budget): as many
#: as a tool's report keeps of one alert (:data:`kompress.decision.frame.TOOL_ALERTS`).
UNREAD_ALERTS = TOOL_ALERTS


#: Errors named in the plural (:data:`~kompress.decision.frame.ALERT` names one: a count of
#: them, "0 errors", is no alert in a log, but a sentence about them is one to keep whole).
_ERRORS = re.compile(r"\b(?:[Ee]rrors|ERRORS)\b")


@dataclass
class Decision:
    """Which words and lines stay."""

    granularity: str  # "word" or "line"
    word_keep: np.ndarray  # final decision per word
    word_keep_raw: np.ndarray  # the scores' decision alone (no guard, no restored runs)
    line_keep: np.ndarray | None  # per line, in line granularity
    w_line: np.ndarray  # line index of each word
    line_starts: np.ndarray
    line_ends: np.ndarray
    frame: Frame | None = None  # the structure frame, when one applied (markers describe its groups)


def decide(text: str, ws: WordScores, domain: str, policy: DecisionPolicy, options: CompressOptions,
           frame: Frame | None = None, frame_known: bool = False) -> Decision:
    """Decide which units of ``text`` stay (see the module docstring). ``frame``: the structure
    frame when the caller has built it already (the compressor mines a log's once);
    ``frame_known``: the caller built it, so ``None`` means the text has none (not mined again)."""
    floor = policy.coverage_floor if options.coverage is None else options.coverage
    nov = policy.novelty if options.novelty is None else options.novelty
    thr = policy.threshold_for(domain) if options.threshold is None else options.threshold
    rate, guard = options.rate, options.guard
    # A query or a token budget decides whole lines on their own scores (see ``ranked_lines``).
    ranked = bool(options.query) or options.budget is not None
    gran = "line" if ranked else policy.granularity_for(options.granularity, domain)
    l_starts, l_ends = line_spans(text)
    w_line = words_to_lines(ws.starts, l_starts)
    line_keep = None
    tabled = False  # a text decided by the rows of its table or its runs of verdicts
    if gran == "word" and options.granularity == "auto" and options.structure and policy.frame_for(domain) == "table":
        # A table in text (a CSV, ``kubectl get pods``) is decided by rows, never cut inside one.
        view = LineView(text, l_starts, l_ends)
        if frame is None and not frame_known:
            frame = build_frame("table", text, view, l_starts, l_ends)
        if frame is None:
            # So is a text made mostly of runs of one passing verdict (``icons/x.svg - valid`` 280
            # times): read as prose, every line stayed whole.
            frame = verdict_frame(view)
        if frame is not None:
            gran, tabled = "line", True
    if not options.structure or gran == "word":
        frame = None  # the frame applies to whole lines only
    if guard:
        # A line that names the problem (signal report, error, exit status) stays
        # whole: "Illegal instruction" is the crash, though neither word is must-keep;
        # so does a test session's header (which Python, which checkout).
        critical = np.zeros(len(l_starts), dtype=bool)
        critical[guard_line_indices(text, l_starts, domain)] = True
        details = np.union1d(detail_line_indices(text, l_starts, domain), result_line_indices(text, l_starts))
        critical[details] = True
        # Which ruled record a critical line belongs to: its first line names it.
        critical[ruled_record_headings(text, l_starts, np.flatnonzero(critical))] = True
        if "\n > " in text and "= -1 E" in text:
            critical |= syscall_stack_guard(LineView(text, l_starts, l_ends), critical)
        if domain in HEAD_DOMAINS and len(w_line) and (ws.unread is None or not ws.unread[0]):
            critical[w_line[0]] = True
        if ws.unread is not None and ws.unread.any():
            # A line the encoder never read (an input over its read budget) that alerts by its
            # words (pgn-extract's "Failed to make move 26. b6 in the game:") stays, the first
            # UNREAD_ALERTS of them: no score speaks for or against it, and an alert is what
            # the output is read for. (A log's repeated alerts still collapse, below.)
            unread_lines = np.flatnonzero(np.bincount(w_line[ws.unread], minlength=len(l_starts)) > 0).tolist()
            unread_text = [text[l_starts[li]:l_ends[li]] for li in unread_lines]
            said = [li for li, line in zip(unread_lines, unread_text) if not critical[li] and is_alert(line)][:UNREAD_ALERTS]
            # So does a line of a rare kind among unread records of a few kinds (duplicity's
            # "Difference found: File deflate.c ..." among hundreds of "Selection:" lines).
            said += [li for li, odd in zip(unread_lines, rare_openers(unread_text).tolist())
                     if odd and not critical[li]][:UNREAD_ALERTS]
            critical[said] = True
            # With the line right above it when that names a file (pgn-extract's "File x.pgn:
            # Line number: 93", a compiler's "x.c: In function 'main':"): where it happened.
            above = [li - 1 for li in said if li > 0 and not critical[li - 1]
                     and PLACE_NAME.search(text[l_starts[li - 1]:l_ends[li - 1]])]
            # An indented one, with the heading of its block: shpdump's "  1 rings wound in the
            # wrong direction." under "Shape:5 (Polygon)  nVertices=41" and its 41 vertices.
            above += [h for li in said if (h := block_heading(text, l_starts, l_ends, li)) is not None]
            critical[above] = True
    if gran == "word":
        raw = select(ws.scores, np.ones_like(ws.n_tokens), thr, rate, by_count=True)
        keep = raw.copy()
        if guard:
            # Which lines are structured (not prose): read by the tail and the whole-line rule below.
            lines_text = LineView(text, l_starts, l_ends)
            structured = structured_lines(lines_text)
            must = must_keep_mask(text, ws.starts, ws.ends)
            keep |= must
            if options.structure:
                # In a list of one kind of record, a record of a rare kind is a finding of its own.
                critical |= odd_records(lines_text)
            keep |= critical[w_line]
            # The last lines are the outcome (final message, summary, exit status); prose
            # sentences among them keep their word-level choice, the very last line stays whole.
            if len(w_line):
                tail = tail_lines(np.bincount(w_line, minlength=len(l_starts)) > 0, policy.tail_lines)
                if policy.tail_lines > 1:
                    tail &= structured
                tail[w_line[-1]] = True
                keep |= tail[w_line]
        if ws.unread is not None:
            # Words the encoder never read (an input over its token budget) stay only on a
            # critical line or in the tail: no must-keep fragments of unread prose.
            forced = (critical | tail) if guard and len(w_line) else np.zeros(len(l_starts), dtype=bool)
            keep &= ~ws.unread | forced[w_line]
        if guard and options.structure:
            # Only prose loses words inside a line: a structured line (key: value, a table row,
            # code, a file view, a log record) is kept whole when any word of it is kept.
            kept_n = np.bincount(w_line, weights=keep.astype(np.float64), minlength=len(l_starts))
            whole = structured.copy()
            # A prose line cut down to a word or two says nothing: around its negation
            # ("Changes not staged for commit:" -> "not") or a must-keep value ("ID" of "The
            # license ID was not found ...", "9508") it stays whole, the reason it stayed read
            # in its sentence; any other fragment goes with its sentence.
            fragment_must = np.bincount(w_line, weights=(keep & must).astype(np.float64), minlength=len(l_starts))
            words_n = np.bincount(w_line, minlength=len(l_starts))
            for li in np.flatnonzero(~structured & (kept_n > 0)):
                # A sentence with a negation or a failure word is kept whole too: cut, it can say
                # the opposite (cmake's "Could not find a package configuration file provided by
                # "libwebsockets"" became "Could not package provided").
                # (An error named is a failure word: dhcpd's "Configuration file errors encountered
                # -- exiting" became "Configuration errors exiting".)
                polar = has_polarity(lines_text[li]) or is_alert(lines_text[li]) or _ERRORS.search(lines_text[li]) is not None
                # (So is one keeping a few words of many: marclint's record title "Web programming
                # : techniques for integrating Python, Linux, ... Christopher." became "Web MySQL
                # Christoper.", a title that names nothing.)
                scattered = kept_n[li] <= FRAGMENT_WORDS and kept_n[li] < FRAGMENT_SHARE * words_n[li]
                if kept_n[li] > 2 and not polar and not scattered:
                    continue
                if fragment_must[li] == 0 and not polar:
                    kept_n[li] = 0
                whole[li] = True
            keep = np.where(whole[w_line], (kept_n > 0)[w_line], keep)
            # A record of fields (brakeman's warning: Category, Check, Message, Code, File, Line) is
            # kept whole or not at all: its File and Line without its Code say where, not what.
            # (kept_n > 0 is still which lines keep a word: whole lines keep all or none.)
            keep |= record_mates(lines_text, kept_n > 0)[w_line]
            kept_lines = np.bincount(w_line, weights=keep.astype(np.float64), minlength=len(l_starts)) > 0
            # A kept line inside a block, with the line that opened it (see the line mode below),
            # and a kept diagnostic or frame with its place, whole, as in line mode.
            if domain != "diff":
                keep |= opened_blocks(lines_text, kept_lines)[w_line]
            keep |= backtrace_guard(lines_text, kept_lines)[w_line]
    elif ranked:
        lines = LineView(text, l_starts, l_ends)
        if options.structure and frame is None and not frame_known:
            frame = build_frame(policy.frame_for(domain), text, lines, l_starts, l_ends)
        line_raw, line_keep = ranked_lines(ws, w_line, lines, policy, options, thr,
                                           critical if guard else None, frame)
        raw = line_raw[w_line]
        keep = line_keep[w_line]
    else:
        tok_per_line = np.bincount(w_line, weights=ws.n_tokens, minlength=len(l_starts))
        line_score = line_scores(ws, w_line, len(l_starts), policy.line_score)
        has_words = np.bincount(w_line, minlength=len(l_starts)) > 0
        line_raw = select(line_score, tok_per_line, thr, rate, by_count=False) & has_words
        lines = LineView(text, l_starts, l_ends)
        low_filler = np.zeros(len(l_starts), dtype=bool)
        if rate is None and options.threshold is None and policy.filler_threshold is not None:
            # Filler prose inside a structured output ("the job had been running for a while")
            # must clear a higher bar: a prose line without one must-keep or polarity word. (A
            # caller's own threshold or rate is taken as given.)
            low_filler = filler_lines(lines, has_words) & ~(line_score > max(thr, policy.filler_threshold))
            line_raw &= ~low_filler
        if options.structure and frame is None and not frame_known:
            frame = build_frame(policy.frame_for(domain), text, lines, l_starts, l_ends)
        if frame is not None:
            # A repeat stays only when the model singles it out among its group (an outlier
            # score); the frame's lines always stay.
            # (A log's repeated records are not even scored: see Compressor.score_words.)
            # (A JSON item spans lines: one line scoring high is no reason to keep a repeated item.)
            if rate is None:
                outliers = (repeat_outliers(frame, line_score, policy.repeat_margin) if frame.kind in ("runs", "stack", "listing")
                            else np.zeros(len(l_starts), dtype=bool))
                line_raw = (line_raw & ~(frame.repeat & ~outliers)) | (frame.keep & has_words)
            else:
                # A ``rate`` is the budget: the frame's lines first, the best-scoring others fill the rest.
                line_raw = budget_fill(frame.keep & has_words, has_words, line_score, tok_per_line, rate)
            if guard and frame.kind == "templates":
                critical &= ~frame.repeat  # a log's repeated alerts collapse too (first and last stay)
                critical[details] = True  # but not what an error says it is about
            if guard and frame.passes is not None:
                critical &= ~(frame.repeat & frame.passes)  # a passing test called ``clones Error``
            if guard and frame.retold is not None:
                critical &= ~frame.retold  # a traceback told again collapses, its error line too
            if guard and frame.free_text is not None:
                critical &= ~frame.free_text  # a page of text in a JSON string: see json_frame
            if guard and frame.kind == "listing":
                # The program speaking amid its listing (tar's "tar: Skipping to next header", ls's
                # "ls: cannot open directory ...") stays, and it is about the entries around it:
                # the one before and the one after stay too.
                said = program_line_indices(text, l_starts)
                critical[said] = True
                near = np.concatenate([said - 1, said + 1])
                near = near[(near >= 0) & (near < len(l_starts))]
                critical[near[has_words[near]]] = True
        line_keep = line_raw.copy()
        if guard:
            # In a log, repeated records collapse even among the critical and the last lines; in
            # a run, repeated passing tests (``✔ should not throw``: a name, not a negation).
            collapsible = (frame.repeat if frame is not None and frame.kind == "templates"
                           else frame.retold if frame is not None and frame.retold is not None
                           else frame.repeat & frame.passes if frame is not None and frame.passes is not None
                           else np.zeros(len(l_starts), dtype=bool))
            # The outcome, as in word mode; filler prose and the frame's repeats (a log's records,
            # PASSED runs, listing entries) in the tail still go.
            repeats = frame.repeat if frame is not None else collapsible
            line_keep |= tail_lines(has_words, policy.tail_lines) & ~low_filler & ~repeats
            if has_words.any():
                line_keep[np.flatnonzero(has_words)[-1]] = True
            line_keep |= critical & has_words
            # In line mode a polarity word ("not", "failed") makes a line critical too: a
            # statement, not a page of free text that happens to hold a "not" (a package's
            # description in one JSON string), which the model weighs like any other line.
            # (Nor a table's repeated row: "nobody" in its USER cell, "no" in a column of flags
            # are values, the columns' news stays by the frame.)
            unsaid = repeats if frame is not None and frame.kind == "table" else collapsible
            for li in np.flatnonzero(~line_keep & has_words & ~unsaid):
                if has_polarity(lines[li]) and len(lines[li].split()) <= POLARITY_LINE_WORDS:
                    line_keep[li] = True
            # (A collapsed repeat's frames stay collapsed: a log's repeated stack traces.)
            line_keep |= backtrace_guard(lines, line_keep) & has_words & ~repeats
            # A problem in a drawn tree (pnpm's unmet peers) with the entries it hangs from.
            line_keep |= tree_ancestors(lines, line_keep & critical) & has_words
            # A kept line inside a block, with the line that opened it (a table's create statement).
            if domain != "diff":
                line_keep |= opened_blocks(lines, line_keep) & has_words & ~repeats
            # The frame replaces the novelty rule; but a stack frame only collapses a recursion's
            # call sites and the repeats of a log before the traceback: the rest is read as without it.
            stacked = frame is not None and frame.kind == "stack"
            novel = nov if frame is None or stacked else None
            if floor or novel:
                added = coverage_guard(lines, line_keep, floor, novel)
                line_keep |= added & ~frame.repeat if stacked else added
        if tabled:
            # The table frame decides its rows only: the lines around the table (top's task and
            # memory summary above its process table, a report's closing sentence) stay as the
            # text would keep them without a table, whole (the word threshold is not a line's).
            words = decide(text, ws, domain, policy, replace(options, granularity="word"))
            said = np.bincount(w_line, weights=words.word_keep.astype(np.float64), minlength=len(l_starts)) > 0
            line_keep |= said & ~(frame.keep | frame.repeat)
        raw = line_raw[w_line]
        keep = line_keep[w_line]
    if options.markers:
        restored = short_dropped_runs(keep, w_line, l_starts, l_ends, frame, ws.n_tokens, text)
        if restored.any():
            keep = keep | restored[w_line]
            if line_keep is not None:
                line_keep = line_keep | restored
    return Decision(gran, keep, raw, line_keep, w_line, l_starts, l_ends, frame)


def ranked_lines(ws: WordScores, w_line: np.ndarray, lines: LineView, policy: DecisionPolicy,
                 options: CompressOptions, thr: float, critical: np.ndarray | None,
                 frame: Frame | None) -> tuple[np.ndarray, np.ndarray]:
    """Whole lines on their scores alone, for a query (the scores say what answers it) or a
    token budget: the lines above the threshold, or the best ones within ``rate`` / ``budget``,
    plus, with the guard (``critical`` given), the critical lines and the last line. No
    coverage rules: the frame only names what the markers collapse (a log's repeated alerts
    still collapse to their first and last). Returns (the scores' choice, the final choice)."""
    n = len(lines)
    tok = np.bincount(w_line, weights=ws.n_tokens, minlength=n)
    has_words = np.bincount(w_line, minlength=n) > 0
    forced = np.zeros(n, dtype=bool)
    if critical is not None:
        crit = critical & ~frame.repeat if frame is not None and frame.kind == "templates" else critical
        forced |= crit & has_words
        # The outcome; under a token budget only the last line (the tail would spend it).
        forced |= tail_lines(has_words, 1 if options.budget is not None else policy.tail_lines)
    if options.query:
        # The companion's reading of the query, fused with exact word matches.
        score = fused_scores(line_features(ws, w_line, lines, options.query, forced), policy.query_fusion)
    else:
        score = line_scores(ws, w_line, n, policy.line_score)
    if options.budget is not None:
        cand = np.flatnonzero(has_words & ~forced)
        order = cand[np.argsort(-score[cand], kind="stable")]
        room = options.budget - float(tok[forced].sum())
        raw = np.zeros(n, dtype=bool)
        raw[order[: int(np.searchsorted(np.cumsum(tok[order]), room, side="right"))]] = True
    elif options.rate is not None:
        raw = budget_fill(np.zeros(n, dtype=bool), has_words, score, tok, options.rate)
    else:
        raw = (score > thr) & has_words
    keep = raw | forced
    if critical is not None and options.budget is None:
        repeats = frame.repeat if frame is not None else np.zeros(n, dtype=bool)
        keep |= backtrace_guard(lines, keep) & has_words & ~repeats  # a kept code line brings its frame's location
    return raw, keep


def tail_lines(has_words: np.ndarray, k: int) -> np.ndarray:
    """The last ``k`` lines that have words."""
    out = np.zeros(len(has_words), dtype=bool)
    out[np.flatnonzero(has_words)[-k:] if k > 0 else []] = True
    return out


def budget_fill(forced: np.ndarray, has_words: np.ndarray, scores: np.ndarray, weights: np.ndarray,
                rate: float) -> np.ndarray:
    """``forced`` plus the best-scoring other units while their weight stays within ``rate``
    of the total (ties by position)."""
    keep = forced.copy()
    budget = rate * float(weights.sum()) - float(weights[forced].sum())
    cand = np.flatnonzero(has_words & ~forced)
    order = cand[np.argsort(-scores[cand], kind="stable")]
    keep[order[: int(np.searchsorted(np.cumsum(weights[order]), budget, side="right"))]] = True
    return keep


def filler_lines(lines: LineView, has_words: np.ndarray) -> np.ndarray:
    """Prose lines (:func:`kompress.structure.prose.is_prose`) holding no must-keep and no
    polarity word."""
    out = np.zeros(len(has_words), dtype=bool)
    for i in np.flatnonzero(has_words):
        line = lines[i]
        if is_prose(line) and not any(is_must_keep(w) for w in line.split()):
            out[i] = True
    return out


def repeat_outliers(frame: Frame, line_score: np.ndarray, margin: float) -> np.ndarray:
    """Repeat lines scoring ``margin`` above the median score of their group's repeats."""
    out = np.zeros(len(line_score), dtype=bool)
    rep = np.flatnonzero(frame.repeat & (frame.group >= 0))
    if not len(rep):
        return out
    groups = frame.group[rep]
    for g in np.unique(groups):
        rows = rep[groups == g]
        out[rows] = line_score[rows] > np.median(line_score[rows]) + margin
    return out


#: A word or a punctuation mark: a marker's tokens, counted low (a tokenizer splits no further).
_PIECE = re.compile(r"\w+|[^\w\s]")


#: A dropped run stays when its marker is at least 1 / MARKER_WORTH of its characters: a gap
#: that saves under a quarter of what it hides (a profile's one row behind "1 more row like
#: ...") loses the row for nothing.
MARKER_WORTH = 4 / 3
#: What a language model's tokenizer reads as about one token, though many characters: a drawn
#: rule (``=====...``, ``-----``, ``────``) and a run of padding. Counted as 4 and 1 characters,
#: a table's 84-character rule and its centred title are worth less than the marker that would
#: hide them (statsmodels' ``Results for equation dln_inv`` over its rule became ``[... 2 lines
#: omitted ...]``: more words than it hid, and the table's name gone).
_CHEAP_RUN = re.compile(r"([^\w\s])\1{3,}|[ \t]{2,}")


def short_dropped_runs(keep: np.ndarray, w_line: np.ndarray, l_starts: np.ndarray, l_ends: np.ndarray,
                       frame: Frame | None = None, n_tokens: np.ndarray | None = None,
                       text: str | None = None) -> np.ndarray:
    """Lines of dropped runs hardly longer than the marker that would replace them (with
    ``frame``, the marker describing what the run collapses): in characters or, given the
    tokens of each word (``n_tokens``), in tokens. Given the ``text``, its rules and padding
    count as the few characters a model's tokenizer makes of them (:data:`_CHEAP_RUN`).

    Eliding ``},`` behind ``[... 1 line omitted ...]`` costs more than it saves, so such
    runs are kept verbatim instead (they are real lines: still faithful). Tokens count too
    because a drawn box's padding makes a wrapped line of four words long in characters only;
    the marker's tokens are counted low (a word or a punctuation mark each, :data:`_PIECE`), so
    a run is restored only where the marker surely costs as much.
    """
    n = len(l_starts)
    has_words = np.bincount(w_line, minlength=n) > 0
    dropped = has_words & ~(np.bincount(w_line, weights=keep.astype(np.float64), minlength=n) > 0)
    restore = np.zeros(n, dtype=bool)
    run_tokens = np.bincount(w_line, weights=n_tokens, minlength=n) if n_tokens is not None else None
    i = 0
    while i < n:
        if not dropped[i]:
            i += 1
            continue
        j = last = i
        while j + 1 < n and (dropped[j + 1] or not has_words[j + 1]):
            j += 1
            if dropped[j]:
                last = j
        n_run = last - i + 1
        detail = None
        if frame is not None:
            detail = describe_run(frame, [k for k in range(i, last + 1) if has_words[k]], n_run)
        mark = f"[... {detail} ...]" if detail else marker(n_run)
        worth = MARKER_WORTH * len(mark)
        chars = l_ends[last] - l_starts[i]
        if text is not None and chars > worth and last - i <= worth:
            # (Squeezed, a run still holds its newlines: one of more lines than ``worth`` stays too long.)
            span = text[l_starts[i]:l_ends[last]]
            chars -= sum(len(m.group()) - (4 if m.group(1) else 1) for m in _CHEAP_RUN.finditer(span))
        if chars <= worth or (
                n_tokens is not None and run_tokens[i:last + 1].sum() <= len(_PIECE.findall(mark))):
            restore[i : last + 1] = True
        i = last + 1
    return restore


def select(scores: np.ndarray, weights: np.ndarray, threshold: float, rate: float | None, by_count: bool) -> np.ndarray:
    """Threshold the scores, or keep the best ``rate`` share (of units or of weight)."""
    if rate is None:
        return scores > threshold
    keep = np.zeros(len(scores), dtype=bool)
    # Stable sort on -score: ties broken by position, so the choice is deterministic.
    order = np.argsort(-scores, kind="stable")
    if by_count:
        k = int(round(rate * len(scores)))
        keep[order[:k]] = True
    else:
        budget = rate * float(weights.sum())
        cum = np.cumsum(weights[order])
        keep[order[: int(np.searchsorted(cum, budget, side="right"))]] = True
    return keep
