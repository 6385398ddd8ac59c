"""Tracebacks: small Python packages and Node scripts that really fail.

Python: a package (``cli`` -> ``service`` with a seeded number of layers -> ``core``) whose core
raises through real code: chained ``raise ... from``, "During handling of the above exception",
recursion, stdlib frames (json, csv, subprocess), threads, asyncio, exception groups. Node:
uncaught errors, rejected promises, ``cause`` chains, JSON and module errors. The sources are
data files under ``templates/tracebacks/``.
"""

from __future__ import annotations

import json
import random
import re
import shlex
from string import Template

from kompress.data.corpus._runtime import ADJS, NOUNS, SERVICES, VERBS, Family, Sample, TaskCtx
from kompress.data.corpus._templates import template

# Python (templates/tracebacks/python/): ``cli`` is the package's entry point; each scenario is
# its ``core`` module, where the failure is. The order is the family's template order.
CLI = template("tracebacks", "python", "cli.py.tmpl")
SCENARIO_NAMES = ("config-keyerror", "chained-from", "during-handling", "attribute-none", "type-error", "recursion",
                  "file-not-found", "json-decode", "index-error", "zero-division", "import-error", "assertion",
                  "nested-chain", "unicode-decode", "thread-error", "asyncio-error", "exception-group",
                  "subprocess-error")
SCENARIOS: dict[str, str] = {name: template("tracebacks", "python", f"{name}.py.tmpl") for name in SCENARIO_NAMES}


def _service(rng: random.Random, pkg: str) -> str:
    layers = rng.randint(1, 5)
    names = [f"_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{i}" for i in range(layers)]
    out = [f'"""Request handling of {pkg}."""\nimport logging\n\nfrom . import core\n\nlog = logging.getLogger(__name__)\n\n',
           f"def handle(args):\n    log.info(\"handling %s\", args.input)\n    return {names[0]}(args)\n\n"]
    for i, n in enumerate(names):
        nxt = f"{names[i + 1]}(args)" if i + 1 < layers else "core.entry(args)"
        if rng.random() < 0.3:
            out.append(f"\ndef {n}(args):\n    result = {nxt}\n    return result\n\n")
        else:
            out.append(f"\ndef {n}(args):\n    return {nxt}\n\n")
    return "".join(out)


def produce_python(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        noun, key = rng.choice(NOUNS), rng.choice(["port", "timeout", "limit", "region", "shard", "token_ttl"])
        pkg = rng.choice([noun + "s", f"{noun}_{rng.choice(['svc', 'tool', 'sync', 'etl'])}", rng.choice(SERVICES)])
        depth = rng.randint(3, 40)
        fl = {"pkg": pkg, "noun": noun, "key": key, "Cls": noun.capitalize() + rng.choice(["", "Config", "Sync"]),
              "badval": rng.choice(["ten", "12s", "", "0x1G", "none", "1,000"]), "user": rng.choice(NOUNS),
              "missing": str(rng.randint(100, 999)), "file": f"{noun}-{rng.randint(1, 99):02d}.{rng.choice(['csv', 'txt', 'db', 'lock'])}",
              "depth": str(depth), "back": str(rng.randint(1, depth - 1)), "adj": rng.choice(ADJS),
              "limit": str(rng.randint(5, 60)), "mode": rng.choice(["batch", "stream", "dry-run"]),
              "warmup": str(rng.randint(0, 12))}
        base = ctx.dir / f"p{i}"
        ctx.write(f"{pkg}/__init__.py", "", base=base)
        ctx.write(f"{pkg}/cli.py", Template(CLI).substitute(fl), base=base)
        ctx.write(f"{pkg}/service.py", _service(rng, pkg), base=base)
        ctx.write(f"{pkg}/core.py", Template(SCENARIOS[ctx.template]).substitute(fl), base=base)
        if ctx.template == "config-keyerror":
            ctx.write(f"data/{noun}.json", json.dumps({noun: {"host": "db.internal", "user": fl["user"]}}, indent=2),
                      base=base)
        args = rng.choice([[], ["--limit", str(rng.randint(3, 50))], ["--mode", "stream"],
                           ["--input", f"data/{noun}.json"]])
        style = rng.random()
        if style < 0.6:
            cmd = shlex.join(["python", "-m", f"{pkg}.cli", *args])
        elif style < 0.8:
            cmd = shlex.join(["python3", "-m", f"{pkg}.cli", *args]) + '; echo "exit code: $?"'
        else:
            ctx.write(f"bin/{pkg}", f"#!/usr/bin/env python3\nimport sys\nsys.path.insert(0, '.')\n"
                      f"from {pkg}.cli import main\nsys.exit(main())\n", base=base, mode=0o755)
            cmd = shlex.join([f"./bin/{pkg}", *args])
        # ``python``/``python3`` resolve to this interpreter: its folder leads the fixed PATH.
        r = ctx.run(cmd, cwd=base, timeout=60)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


# ---------------------------------------------------------------------------------------------
# Node

# templates/tracebacks/node/: each script is an item's main file; ``lib.js`` is the module it
# requires. Substituted with ``_js_sub``, not string.Template (see there).
NODE_NAMES = ("node-undefined-prop", "node-reference", "node-json-parse", "node-module-missing", "node-stack-overflow",
              "node-promise-reject", "node-error-cause", "node-assert")
NODE: dict[str, str] = {name: template("tracebacks", "node", f"{name}.js") for name in NODE_NAMES}
NODE_LIB = template("tracebacks", "node", "lib.js")


def _js_sub(src: str, fl: dict[str, str]) -> str:
    # string.Template would trip over JavaScript's own ${...}: substitute only our names.
    names = "|".join(sorted(map(re.escape, fl), key=len, reverse=True))
    return re.sub(r"\$\{(" + names + r")\}|\$(" + names + r")\b", lambda m: fl[m.group(1) or m.group(2)], src)


def produce_node(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        noun = rng.choice(NOUNS)
        key = rng.choice(["retries", "timeout", "region", "limit", "owner"])
        count = rng.randint(4, 40)
        fl = {"noun": noun, "key": key, "KEY": key.upper(), "Cls": noun.capitalize(), "count": str(count),
              "back": str(rng.randint(1, count - 2)), "adj": rng.choice(ADJS), "mod": str(rng.randint(2, count)),
              "badval": rng.choice(["eighty", "80a", "", "none"]),
              "pkgname": rng.choice(["lodash.merge", "@acme/" + noun, noun + "-client", "left-pad2"])}
        base = ctx.dir / f"p{i}"
        main = rng.choice(["index.js", "main.js", f"{noun}.js", "src/app.js"])
        src = _js_sub(NODE[ctx.template], fl)
        if main.startswith("src/"):
            src = src.replace("require('./lib/", "require('../lib/")
        ctx.write(main, src, base=base)
        ctx.write(f"lib/{noun}.js", _js_sub(NODE_LIB, fl), base=base)
        if ctx.template == "node-json-parse":
            bad = json.dumps({key: count, "name": noun}, indent=2)
            bad = rng.choice([bad.replace(",", "", 1), bad[:-2], bad.replace('"name"', "name"), bad + ",\n}"])
            ctx.write(f"config/{noun}.json", bad, base=base)
        cmd = shlex.join(["node", *rng.choice([[], [], ["--stack-trace-limit=50"], ["--trace-uncaught"]]), main])
        if rng.random() < 0.4:
            cmd += '; echo "exit code: $?"'
        r = ctx.run(cmd, cwd=base, timeout=60)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


FAMILIES = [
    Family("python-traceback", "traceback", SCENARIO_NAMES, produce_python, 380, (), None,
           "Python packages raising through real frames"),
    Family("node-traceback", "traceback", NODE_NAMES, produce_node, 150, ("node",), None,
           "Node.js uncaught errors and rejections"),
]
