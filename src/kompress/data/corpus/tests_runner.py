"""Test-runner output: pytest and unittest on small real modules with seeded bugs.

Each template is one subject module (its own code) plus a list of test cases
``(name, call, expected)``. An item injects 0-2 seeded mutations into the module (an
off-by-one, a flipped comparison, a changed literal, a dropped ``.strip()``...) and runs the
real test runner on generated test files, so failures, assertion diffs and tracebacks are
whatever pytest/unittest print.
"""

from __future__ import annotations

import random
import re
import shlex

from kompress.data.corpus._runtime import NOUNS, Family, Sample, TaskCtx
from kompress.data.corpus._templates import template

# Each subject's module is templates/tests_runner/<name>.py.tmpl; its test cases stay here, next to
# the code that writes them into test files.
SUBJECTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "slugify": (template("tests_runner", "slugify.py.tmpl"), [
        ("basic", "slugify('Hello World')", "'hello-world'"),
        ("unicode", "slugify('Crème brûlée à la mode')", "'creme-brulee-a-la-mode'"),
        ("separator", "slugify('a b  c', sep='_')", "'a_b_c'"),
        ("max_len", "slugify('x' * 60 + ' tail', max_len=10)", "'xxxxxxxxxx'"),
        ("punctuation", "slugify('Release v2.0: notes!')", "'release-v2-0-notes'"),
        ("title_small_words", "title_case('the lord of the rings')", "'The Lord of the Rings'"),
        ("title_strip", "title_case('  war and peace ')", "'War and Peace'"),
        ("truncate_short", "truncate('abc', 5)", "'abc'"),
        ("truncate_long", "truncate('abcdefghij', 8)", "'abcde...'"),
        ("truncate_exact", "truncate('abcdefgh', 8)", "'abcdefgh'"),
    ]),
    "cart": (template("tests_runner", "cart.py.tmpl"), [
        ("line_plain", "str(line_total(9.99, 3))", "'29.97'"),
        ("line_discount", "str(line_total(20, 2, 10))", "'36.00'"),
        ("line_rounding", "str(line_total(0.125, 1))", "'0.13'"),
        ("summary", "cart_summary([(10, 2, 0), (5.5, 1, 0)])",
         "{'items': 3, 'subtotal': '25.50', 'tax': '5.10', 'total': '30.60'}"),
        ("summary_discount", "cart_summary([(100, 1, 25), (1, 4, 0)], tax_rate=10)",
         "{'items': 5, 'subtotal': '79.00', 'tax': '7.90', 'total': '86.90'}"),
        ("shipping_at_threshold", "free_shipping(50)", "True"),
        ("shipping_below", "free_shipping(49.99)", "False"),
        ("empty_cart", "cart_summary([])", "{'items': 0, 'subtotal': '0', 'tax': '0.00', 'total': '0.00'}"),
    ]),
    "intervals": (template("tests_runner", "intervals.py.tmpl"), [
        ("merge_overlap", "merge([(1, 3), (2, 6), (8, 10)])", "[(1, 6), (8, 10)]"),
        ("merge_touching", "merge([(1, 2), (2, 4)])", "[(1, 4)]"),
        ("merge_unsorted", "merge([(5, 7), (1, 2), (6, 9)])", "[(1, 2), (5, 9)]"),
        ("merge_nested", "merge([(1, 10), (2, 3), (4, 5)])", "[(1, 10)]"),
        ("length", "total_length([(0, 5), (3, 8), (10, 12)])", "10"),
        ("gaps_middle", "gaps([(2, 4), (6, 8)], 0, 10)", "[(0, 2), (4, 6), (8, 10)]"),
        ("gaps_none", "gaps([(0, 10)], 0, 10)", "[]"),
        ("gaps_edges", "gaps([(3, 5)], 3, 9)", "[(5, 9)]"),
    ]),
    "roman": (template("tests_runner", "roman.py.tmpl"), [
        ("one", "to_roman(1)", "'I'"),
        ("four", "to_roman(4)", "'IV'"),
        ("year", "to_roman(1994)", "'MCMXCIV'"),
        ("max", "to_roman(3999)", "'MMMCMXCIX'"),
        ("parse_year", "from_roman('MMXXIV')", "2024"),
        ("parse_subtractive", "from_roman('XLIX')", "49"),
        ("roundtrip", "[from_roman(to_roman(n)) for n in (7, 14, 40, 90, 400)]", "[7, 14, 40, 90, 400]"),
        ("table", "[to_roman(n) for n in range(1, 11)]",
         "['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X']"),
    ]),
    "deepmerge": (template("tests_runner", "deepmerge.py.tmpl"), [
        ("override_scalar", "deep_merge({'a': 1, 'b': 2}, {'b': 3})", "{'a': 1, 'b': 3}"),
        ("nested", "deep_merge({'db': {'host': 'x', 'port': 5432}}, {'db': {'port': 6432}})",
         "{'db': {'host': 'x', 'port': 6432}}"),
        ("delete_with_none", "deep_merge({'a': 1, 'b': {'c': 2}}, {'b': None})", "{'a': 1}"),
        ("lists_replaced", "deep_merge({'tags': ['a', 'b']}, {'tags': ['c']})", "{'tags': ['c']}"),
        ("flatten", "flatten({'db': {'host': 'x', 'pool': {'min': 1, 'max': 8}}, 'debug': False})",
         "{'db.host': 'x', 'db.pool.min': 1, 'db.pool.max': 8, 'debug': False}"),
        ("flatten_prefix", "flatten({'a': {'b': 1}}, prefix='cfg')", "{'cfg.a.b': 1}"),
        ("no_mutation", "(lambda b: (deep_merge(b, {'x': {'y': 2}}), b)[1])({'x': {'y': 1}})", "{'x': {'y': 1}}"),
    ]),
    "wordfreq": (template("tests_runner", "wordfreq.py.tmpl"), [
        ("tokenize", "tokenize(\"It's a dog's life\")", "[\"it's\", 'a', \"dog's\", 'life']"),
        ("top", "top_words('b a b c c c the the the')", "[('c', 3), ('b', 2)]"),
        ("top_ties", "top_words('x y z x y z w', n=2)", "[('x', 2), ('y', 2)]"),
        ("stats", "line_stats('one\\n\\nthree lines\\n')", "{'lines': 3, 'blank': 1, 'longest': 11}"),
        ("stats_empty", "line_stats('')", "{'lines': 0, 'blank': 0, 'longest': 0}"),
        ("case_folding", "top_words('Go go GO stop', n=1)", "[('go', 3)]"),
    ]),
    "semver": (template("tests_runner", "semver.py.tmpl"), [
        ("parse", "parse('v1.2.3')", "(1, 2, 3, None)"),
        ("parse_pre", "parse('2.0.0-rc.1')", "(2, 0, 0, 'rc.1')"),
        ("compare_lt", "compare('1.2.3', '1.10.0')", "-1"),
        ("compare_pre", "compare('2.0.0-rc.1', '2.0.0')", "-1"),
        ("compare_eq", "compare('v3.1.4', '3.1.4')", "0"),
        ("bump_patch", "bump('1.4.9')", "'1.4.10'"),
        ("bump_minor", "bump('1.4.9', 'minor')", "'1.5.0'"),
        ("bump_major", "bump('0.9.1', 'major')", "'1.0.0'"),
        ("sorted", "sorted(['1.0.0', '0.9.0', '1.0.0-beta'], key=__import__('functools').cmp_to_key(compare))",
         "['0.9.0', '1.0.0-beta', '1.0.0']"),
    ]),
    "ratelimit": (template("tests_runner", "ratelimit.py.tmpl"), [
        ("burst", "simulate(1, 3, [0, 0, 0, 0])", "[True, True, True, False]"),
        ("refill", "simulate(1, 1, [0, 0.5, 1.0, 1.2, 2.5])", "[True, False, True, False, True]"),
        ("capacity_cap", "simulate(10, 2, [0, 5, 5, 5])", "[True, True, True, False]"),
        ("slow_rate", "simulate(0.5, 1, [0, 1, 2, 3])", "[True, False, True, False]"),
        ("cost", "(lambda b: [b.allow(2), b.allow(2)])(__import__('subject').TokenBucket(1, 3, lambda: 0.0))",
         "[True, False]"),
    ]),
}


def _mutate_py(src: str, rng: random.Random, k: int) -> str:
    """Inject ``k`` small bugs into Python source (only in function bodies)."""
    ops = [
        (r"(?<![<>=!])<=(?!=)", "<"), (r"(?<![<>=!])<(?![<=])", "<="), (r">=", ">"), (r"(?<![->=])>(?![>=])", ">="),
        (r"\+ 1\b", "+ 2"), (r"- 1\b", ""), (r"\.lower\(\)", ".upper()"), (r"\.strip\(\)", ""),
        (r"\bTrue\b", "False"), (r"\[:(\w+)\]", r"[:\1 - 1]"), (r"max\(", "min("), (r"\bnot in\b", "in"),
        (r"\(-kv\[1\], kv\[0\]\)", "(kv[1], kv[0])"), (r"ROUND_HALF_UP", "ROUND_HALF_EVEN"), (r"\* qty", "* (qty - 1)"),
    ]
    lines = src.splitlines()
    body = [i for i, ln in enumerate(lines) if ln.startswith("    ") and not ln.strip().startswith(("def ", "#"))]
    for _ in range(k):
        cands = [(i, pat, rep) for i in body for pat, rep in ops if re.search(pat, lines[i])]
        if not cands:
            break
        i, pat, rep = rng.choice(cands)
        lines[i] = re.sub(pat, rep, lines[i], count=1)
    return "\n".join(lines) + "\n"


def _write_subject(ctx: TaskCtx, base, rng: random.Random) -> tuple[str, list[tuple[str, str, str]], str]:
    src, cases = SUBJECTS[ctx.template]
    k = rng.choice([0, 1, 2, 2, 3, 3])  # mostly red runs: that is when an agent reads the output
    mod = rng.choice([ctx.template, f"{ctx.template}_{rng.choice(NOUNS)}", f"{rng.choice(NOUNS)}_{ctx.template}"])
    ctx.write(f"{mod}.py", _mutate_py(src, rng, k), base=base)
    chosen = [(n, c.replace("'subject'", repr(mod)), e) for n, c, e in cases if rng.random() < 0.85] or cases[:2]
    return mod, chosen, src


def produce_pytest(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        base = ctx.dir / f"p{i}"
        mod, cases, _ = _write_subject(ctx, base, rng)
        lines = ["import pytest", "", f"from {mod} import *  # noqa: F401,F403", ""]
        if rng.random() < 0.4:
            params = ",\n    ".join(f"pytest.param({c!r}, {e!r}, id={n!r})" for n, c, e in cases)
            lines += ["", f"@pytest.mark.parametrize(\"expr, expected\", [\n    {params},\n])",
                      "def test_cases(expr, expected):", "    assert eval(expr) == eval(expected)", ""]
        else:
            for n, c, e in cases:
                if rng.random() < 0.3:
                    lines += ["", f"def test_{n}():", f"    result = {c}", f"    expected = {e}",
                              "    assert result == expected", ""]
                else:
                    lines += ["", f"def test_{n}():", f"    assert {c} == {e}", ""]
        if rng.random() < 0.2:
            lines += ["", "@pytest.mark.skip(reason=\"flaky on CI, see #%d\")" % rng.randint(100, 999),
                      "def test_slow_path():", "    assert False", ""]
        tdir = rng.choice(["tests", "tests/unit", "test"])
        ctx.write(f"{tdir}/test_{mod}.py", "\n".join(lines) + "\n", base=base)
        ctx.write("pytest.ini", "[pytest]\npythonpath = .\n", base=base)
        flags = rng.choice([[], ["-q"], ["-q"], ["-v"], ["-x"], ["--tb=short"], ["-rA"], ["-q", "--tb=line"],
                            ["-vv"], ["--tb=long", "-q"]])
        argv = ["python", "-m", "pytest", "-p", "no:cacheprovider", *flags, tdir]
        shown = shlex.join([rng.choice(["pytest", "python -m pytest"]), *flags, tdir]).replace("'python -m pytest'",
                                                                                              "python -m pytest")
        r = ctx.run(argv, cwd=base, timeout=120)
        out.append(ctx.sample(shown, r.out, i, {str(base): ctx.fake_root}))
    return out


def produce_unittest(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        base = ctx.dir / f"p{i}"
        mod, cases, _ = _write_subject(ctx, base, rng)
        cls = "".join(p.capitalize() for p in mod.split("_")) + "Test"
        lines = ["import unittest", "", f"from {mod} import *  # noqa: F401,F403", "", "", f"class {cls}(unittest.TestCase):"]
        for n, c, e in cases:
            meth = rng.choice(["assertEqual", "assertEqual", "assertEqual"])
            lines += [f"    def test_{n}(self):", f"        self.{meth}({c}, {e})", ""]
        lines += ["", "if __name__ == \"__main__\":", "    unittest.main()"]
        ctx.write(f"tests/test_{mod}.py", "\n".join(lines) + "\n", base=base)
        ctx.write("tests/__init__.py", "", base=base)
        style = rng.choice(["discover", "discover-v", "module", "module-v"])
        if style.startswith("discover"):
            argv = ["python", "-m", "unittest", "discover", "-s", "tests", "-t", "."]
        else:
            argv = ["python", "-m", "unittest", f"tests.test_{mod}"]
        if style.endswith("-v"):
            argv.append("-v")
        r = ctx.run(argv, cwd=base, timeout=120)
        out.append(ctx.sample(shlex.join(argv), r.out, i, {str(base): ctx.fake_root}))
    return out


FAMILIES = [
    Family("pytest", "test", tuple(SUBJECTS), produce_pytest, 260, (), "py-subjects",
           "pytest runs with assertion diffs"),
    Family("unittest", "test", tuple(SUBJECTS), produce_unittest, 160, (), "py-subjects",
           "python -m unittest runs"),
]
