"""Tools kompress never saw: does it keep what their outputs say, against trivial baselines?

    .venv/bin/python benchmarks/bench_unseen.py [--out benchmarks/unseen_results.json]
    .venv/bin/python benchmarks/bench_unseen.py --data benchmarks/unseen/holdout \
        --out benchmarks/unseen_holdout_results_after.json     # likewise holdout2

Sources (``<family>/<case>.txt``, captured on this machine by running third-party tools on real
public projects with injected faults), families absent from the training corpus, in six sets:

* ``benchmarks/unseen/data`` (25 cases: cargo build/test/clippy, tsc, eslint, jest, vitest, mocha,
  npm install, go build/vet/test, mypy, pylint, ruff, flake8): run once before any rule was written
  for them (answers 0.930 at word keep 0.656), then read: the fifteenth session's linter rules
  (findings as build output, the first finding of each rule, a finding's location) were written
  looking at their failures, so figures on this set are in-sample since;
* ``benchmarks/unseen/holdout`` (18 cases, captured after those rules and run blind before being
  read: new projects for seven of those families, and shellcheck, cppcheck, clang-tidy, yamllint,
  sqlfluff, bandit, pyright, prettier, node's test runner, ava, tape; blind result in
  ``unseen_holdout_results.json``);
* ``benchmarks/unseen/holdout2`` (16 cases, captured after the test-runner rules and run blind:
  git log/blame/status, a rebase conflict, pip install, esbuild, sphinx-build, prove, jest,
  vitest, mocha, tsc, markdownlint, stylelint, go vet, cargo test; ``unseen_holdout2_results.json``).
* ``benchmarks/unseen/holdout3`` (24 cases, sixteenth session, captured after its first rules
  (a linter's every finding, a commit's ``--stat``) and run blind: git merge/am/apply/cherry-pick/
  bisect, ``diff -rq``, clang, ninja, cargo fmt/doc, luacheck, ansible-lint, black, isort,
  codespell, vulture, coverage, doctest, jasmine, tap, biome, oxlint, webpack, npm ls;
  ``unseen_holdout3_results.json``);
* ``benchmarks/unseen/holdout4`` (24 cases, captured after the short-listing rule and run
  blind: c8, svelte-check, knip, htmlhint, rollup, deno lint, pyflakes, pycodestyle, pydocstyle,
  radon, compileall, pipdeptree, phpunit, perlcritic, gfortran, erlc, rubocop, minitest, strace,
  ldd, sqlite3, unzip -t, openssl verify, curl -v; ``unseen_holdout4_results.json``);
* ``benchmarks/unseen/holdout5`` (12 cases, captured after the fourth's rules and run blind:
  Django check/makemigrations, dbt build, flask db upgrade, pip-compile, ansible-playbook,
  logrotate -d, systemd-analyze verify, go test -race, gofmt -d, cargo check's short format,
  shfmt -d; ``unseen_holdout5_results.json``);
* ``benchmarks/unseen/holdout6`` (16 cases, seventeenth session, captured after its prose budget
  and run blind: bats, ctest, meson test, mix test, rspec, zig test, php -l, psql -f, behave,
  nose2, robot, jshint, standard, cspell, interrogate, mkdocs build --strict;
  ``unseen_holdout6_results.json``);
* ``benchmarks/unseen/holdout7`` (16 cases, captured after the sixth's rules and run blind:
  cpplint, flawfinder, lizard, semgrep, typos, xmllint, tox, Django's test runner, a Java
  exception, bash -n, gawk, lua, tcltest, nim check, scons, apt-get -s;
  ``unseen_holdout7_results.json``);
* ``benchmarks/unseen/holdout8`` (16 cases, captured after the seventh's rules and run blind:
  refurb, deptry, hadolint, check-jsonschema, madge, depcheck, textlint, darglint, cobc, fpc,
  valac, swipl, ocamlc, sbcl/ASDF, splint, autoreconf; ``unseen_holdout8_results.json``);
* ``benchmarks/unseen/holdout9`` (13 cases, captured after the eighth's rules and run blind on
  the seventeenth session's final code: stestr, vermin, pydoclint, diff-cover, jscpd, attw,
  iverilog, tidy, haproxy -c, guild compile, appstreamcli validate, sparse,
  include-what-you-use; ``unseen_holdout9_results.json``).
* ``benchmarks/unseen/holdout10`` (14 cases, eighteenth session, captured after its first-line rule
  and run blind on it: pre-commit, ty, pyrefly, uv, nox, validate-pyproject, twine check,
  gcc -fanalyzer, UndefinedBehaviorSanitizer, ThreadSanitizer, flow, solcjs, lintian, nginx -t;
  ``unseen_holdout10_results.json``).
* ``benchmarks/unseen/holdout11`` (14 cases, captured after the tenth's rules and run blind on
  them: zizmor, proselint, bashate, checkbashisms, cmake-lint, sass, pytype, testthat (R),
  perl -wc, ruby -wc, node --check, nasm, luac -p, msgfmt -c; ``unseen_holdout11_results.json``).
* ``benchmarks/unseen/holdout12`` (8 cases, captured after the eleventh's rules and run blind on
  the eighteenth session's final rules: pip check, Python warnings (-X dev -W always), alembic,
  poetry check, python -m build, vite build, remark-lint, write-good;
  ``unseen_holdout12_results.json``).
* ``benchmarks/unseen/holdout13`` (6 cases, captured after the twelfth's rules and run blind on the
  eighteenth session's final code: publint, dependency-cruiser, make -k, desktop-file-validate,
  doc8, rstcheck; ``unseen_holdout13_results.json``).
* ``benchmarks/unseen/holdout14`` (9 cases, nineteenth session, long outputs of documentation
  builders, analyzers and non-git version control, run blind on the eighteenth session's final code:
  javadoc -Xdoclint, doxygen, verilator --lint-only, hg merge, svn merge, scan-build, html-validate,
  typedoc, cProfile/pstats; ``unseen_holdout14_results.json``; ``README.md`` there says how each
  truth was obtained).
* ``benchmarks/unseen/holdout15`` (8 cases, captured with the fourteenth: long test and build runs
  that mostly pass, 1,100-12,700 words: GoogleTest, Catch2, zope.testrunner, Twisted trial, green,
  hapi lab, autoconf's configure, dpkg-buildpackage; ``unseen_holdout15_results.json``).
* ``benchmarks/unseen/holdout16`` (6 cases: pip wheel -v of a broken C extension, commitlint,
  poetry lock -vvv, cucumber-js, csvstat, duckdb; ``unseen_holdout16_results.json``).
* ``benchmarks/unseen/holdout17`` (8 cases: cfn-lint, gotestsum, busted, Ruby test-unit, phpcs,
  phpmd, DejaGnu runtest, markdown-link-check) and ``holdout18`` (10 cases: npm outdated, git fsck,
  tar -tvf, gpg --verify, rsync --dry-run, git range-diff, pip download -v, dpkg -i,
  redis-benchmark, nmap -sV), run blind on 5fbc599 (``unseen_holdout17_results.json``, ``...18...``).
  Sets 13 and 16 are not read yet: blind sets for the next change. The others were read after their
  blind run (``*_after.json``: the figures since). ``benchmarks/unseen/CAPTURE.md``: how a set is
  captured.

Questions (``<case>.json``), derived mechanically from the tool's own machine-readable report of
the same run (``cargo --message-format=json``, ``eslint -f json``, ``jest --json``, ``go test
-json``, ``mypy``/``ruff``/``pylint`` JSON) or from the injected fault, never picked by reading
the text: per diagnostic its code, location and message; per failing test its name and
assertion; the outcome line. A question is answered when its string occurs in a non-marker line
of the output (not glued to a word character, as in ``bench_agent_steps``; a message the capture
cut at 60 characters inside a word is asked without that last partial word).

Systems: kompress as the library returns it and as the Claude Code hook passes it on (its floor
and minimum saving), the domain-rule teacher at its own budget, and whole lines up to kompress's
budget (words of its non-marker lines): the last lines, the first lines, half first / half last
lines (an agent harness's truncation), random lines (seeded); and the last 30 lines at their own
budget. Reported per family and over all cases (mean per case): every answer kept, answers kept
(per kind too), word keep, line fidelity.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_agent_steps import content_lines, deployed_text, last_n_keep, render  # noqa: E402
from kompress.data.cases import load_cases as _load_cases, occurs, split_lines  # noqa: E402

DATA = HERE / "unseen" / "data"
OUT = HERE / "unseen_results.json"
SYSTEMS = ("kompress", "kompress deployed", "rule teacher (own budget)", "last lines", "first lines",
           "head+tail lines", "random lines", "last 30 lines (own budget)")


def load_cases(root: Path = DATA) -> list[dict]:
    """Every case under ``root`` (:func:`kompress.data.cases.load_cases`)."""
    return _load_cases(root)


def line_words(lines: list[str]) -> np.ndarray:
    return np.array([len(ln.split()) for ln in lines], dtype=np.int64)


def baseline_keeps(lines: list[str], budget: int, key: str) -> dict[str, np.ndarray]:
    """Kept lines of the whole-line baselines at ``budget`` words (``last 30 lines``: its own)."""
    from kompress.evaluation.query_eval import fill

    n = len(lines)
    lw = line_words(lines)
    pos = np.arange(n)
    first = last_n_keep(lw[::-1], budget)[::-1]
    half = last_n_keep(lw[::-1], budget // 2)[::-1]
    tail = last_n_keep(lw, budget - int(lw[half].sum()))
    rng = np.random.default_rng([0, zlib.crc32(key.encode())])
    return {"last lines": last_n_keep(lw, budget), "first lines": first, "head+tail lines": half | tail,
            "random lines": fill(rng.permutation(n), lw, budget) if budget > 0 else np.zeros(n, bool),
            "last 30 lines (own budget)": pos >= n - 30}


def metrics(text: str, compressed: str, questions: list[dict]) -> dict[str, float]:
    """Answers kept (all, share, per kind), word keep and line fidelity of one system's output."""
    kept = content_lines(compressed)
    body = "\n".join(kept)
    hit = [occurs(q["answer"], body) for q in questions]
    inputs = set(split_lines(text))
    nonempty = [ln for ln in kept if ln.strip()]
    out = {"all_answers": float(all(hit)), "answers": float(np.mean(hit)),
           "word_keep": sum(len(ln.split()) for ln in kept) / (len(text.split()) or 1),
           "fidelity": sum(ln in inputs for ln in nonempty) / len(nonempty) if nonempty else 1.0}
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for q, h in zip(questions, hit):
        by_kind[q["kind"]].append(h)
    out.update({f"kind:{k}": float(np.mean(v)) for k, v in by_kind.items()})
    return out


def evaluate(case: dict, comp, rule) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Every system's metrics on one case."""
    text, qs = case["text"], case["questions"]
    result = comp.compress(text)
    res = {"kompress": metrics(text, result.text, qs),
           "kompress deployed": metrics(text, deployed_text({"action": case["command"], "output": text}, result), qs)}
    if rule is not None:
        res["rule teacher (own budget)"] = metrics(text, rule.compress(text).text, qs)
    lines = split_lines(text)
    budget = sum(len(ln.split()) for ln in content_lines(result.text))
    for name, keep in baseline_keeps(lines, budget, case["id"]).items():
        res[name] = metrics(text, render(lines, keep), qs)
    res["kompress"]["domain"] = result.domain  # type: ignore[assignment]
    return res


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for r in rows for k, v in r.items() if isinstance(v, float)}
    return {k: round(float(np.mean([r[k] for r in rows if k in r])), 3) for k in sorted(keys)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DATA), help="folder of <family>/<case>.txt + .json")
    ap.add_argument("--model", default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    from kompress import Compressor
    from kompress.evaluation.baselines import load_rule_compressor

    comp = Compressor.load(args.model)
    rule, why = load_rule_compressor(comp.tokenizer)
    if rule is None:
        print(why, file=sys.stderr)
    cases = load_cases(Path(args.data))
    if not cases:
        print(f"no cases under {args.data}", file=sys.stderr)
        return 2
    per_case = {c["id"]: evaluate(c, comp, rule) for c in cases}
    systems = [s for s in SYSTEMS if s in next(iter(per_case.values()))]
    families = sorted({c["family"] for c in cases})
    fam = {f: {s: mean([per_case[c["id"]][s] for c in cases if c["family"] == f]) for s in systems} for f in families}
    overall = {s: mean([r[s] for r in per_case.values()]) for s in systems}
    n_q = {f: sum(len(c["questions"]) for c in cases if c["family"] == f) for f in families}
    n_c = {f: sum(c["family"] == f for c in cases) for f in families}

    print("| family | cases | questions | kompress: every answer / answers / word keep | last lines | first lines "
          "| head+tail | random lines | rule teacher (own budget) | last 30 lines (own budget) |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---|---|")
    for f in families:
        k, v = fam[f]["kompress"], fam[f]
        t = v.get("rule teacher (own budget)", {})
        l30 = v["last 30 lines (own budget)"]
        print(f"| {f} | {n_c[f]} | {n_q[f]} | {k['all_answers']:.2f} / {k['answers']:.3f} / {k['word_keep']:.3f} | "
              f"{v['last lines']['answers']:.3f} | {v['first lines']['answers']:.3f} | "
              f"{v['head+tail lines']['answers']:.3f} | {v['random lines']['answers']:.3f} | "
              f"{t.get('answers', float('nan')):.3f} @ {t.get('word_keep', float('nan')):.3f} | "
              f"{l30['answers']:.3f} @ {l30['word_keep']:.3f} |")
    kinds = sorted({k for m in overall.values() for k in m if k.startswith("kind:")})
    print(f"\nOver {len(cases)} cases ({sum(n_q.values())} questions, mean per case):\n")
    print("| system | every answer kept | answers kept | " + " | ".join(k[5:] for k in kinds)
          + " | word keep | line fidelity |")
    print("|---|---:|---:|" + "---:|" * len(kinds) + "---:|---:|")
    for s in systems:
        m = overall[s]
        print(f"| {s} | {m['all_answers']:.3f} | {m['answers']:.3f} | "
              + " | ".join(f"{m.get(k, float('nan')):.3f}" for k in kinds)
              + f" | {m['word_keep']:.3f} | {m['fidelity']:.3f} |")
    domains = {cid: r["kompress"]["domain"] for cid, r in per_case.items()}
    Path(args.out).write_text(json.dumps({"cases": len(cases), "questions": n_q, "overall": overall,
                                          "families": fam, "domains": domains, "per_case": per_case},
                                         indent=1) + "\n")
    print(f"\n-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
