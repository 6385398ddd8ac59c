"""Parallel runners' job tags: read without them, lines kept whole with them."""

from kompress import MARKER_RE
from kompress.structure.prefixes import job_prefixes, strip_prefixes
from kompress.structure.units import word_spans


def _mocha(job: str, n: int, failing: bool) -> list[str]:
    lines = [f"> {job}@1.0.0 test", '> mocha "tests/**/*.test.js"', "", f"  {job}"]
    lines += [f"    ✔ should handle case {i} of {job}" for i in range(n)]
    lines += ["", f"  {n - 1 if failing else n} passing (41ms)"]
    if failing:
        lines += ["  1 failing", "", f"  1) {job}", "       should handle case 7:", "",
                  "      AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:", "", "2 !== 3", "",
                  f"      at Context.<anonymous> (file:///src/proj/packages/{job}/tests/a.test.js:31:16)"]
    return lines


def _concurrently() -> str:
    jobs = {"core": _mocha("core", 60, False), "plugin-kit": _mocha("plugin-kit", 80, True)}
    out: list[str] = []
    # Interleaved a few lines at a time, as the jobs print.
    for k in range(0, 120, 4):
        for name, lines in jobs.items():
            out += [f"[{name}] {ln}" for ln in lines[k:k + 4]]
    out += ["[core] npm test -w packages/core exited with code 0",
            "[plugin-kit] npm test -w packages/plugin-kit exited with code 1"]
    return "\n".join(out) + "\n"


def test_job_tags_are_found_and_cut():
    text = _concurrently()
    cut = job_prefixes(text)
    assert cut is not None and (cut > 0).all()
    assert strip_prefixes(text, cut).splitlines()[0] == "> core@1.0.0 test"
    compose = "".join(f"{'web-1' if i % 3 else 'db-1'}  | line {i} of the service\n" for i in range(30))
    assert job_prefixes(compose) is not None
    lerna = "".join(f"@eslint/{'core' if i % 2 else 'compat'}: step {i}\n" for i in range(30))
    assert job_prefixes(lerna) is not None


def test_a_programs_own_tags_are_no_jobs():
    maven = "".join(f"[{'INFO' if i % 5 else 'WARNING'}] Building module {i}\n" for i in range(40))
    pids = "".join(f"[{25459 if i < 20 else 25460}] 2026/12/06 00:58:{i:02d} [INF] Starting\n" for i in range(40))
    own = "".join(f"pg_restore: creating TABLE \"public.t{i}\"\n" for i in range(40))
    lint = "".join(f"lib/URI/{'A' if i % 2 else 'B'}.pm: line {i}: bad brace\n" for i in range(40))
    keys = "".join(f"Key{i}: value {i}\n" for i in range(40))
    counters = "".join(f"[{i}/40] Building CXX object x{i}.o\n" for i in range(40))
    for text in (maven, pids, own, lint, keys, counters):
        assert job_prefixes(text) is None, text.splitlines()[0]


def test_a_jobs_test_summary_stays_with_its_tag(shipped_compressor):
    text = _concurrently()
    r = shipped_compressor.compress(text)
    kept = [ln for ln in r.text.splitlines() if not MARKER_RE.match(ln)]
    # Real lines only, tags and all; the failing job's summary and its failure stay.
    assert set(kept) <= set(text.splitlines())
    # Read without its tags, the text is the test run it is (with them: a log of tagged records).
    assert r.domain == "test"
    assert "[plugin-kit]   1 failing" in kept and "[core]   60 passing (41ms)" in kept
    assert "[plugin-kit]       AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:" in kept
    assert "[plugin-kit] npm test -w packages/plugin-kit exited with code 1" in kept
    assert r.keep_rate < 0.5
    # One decision per word of the text as given (its tags included).
    assert len(r.word_keep) == len(word_spans(text)[0])
    assert r.text == shipped_compressor.compress(text).text  # deterministic
