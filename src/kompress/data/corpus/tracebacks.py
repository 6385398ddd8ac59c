"""Tracebacks: small Python packages and Node scripts that really fail.

Python: a package (``cli`` -> ``service`` with a seeded number of layers -> ``core``) whose core
raises through real code: chained ``raise ... from``, "During handling of the above exception",
recursion, stdlib frames (json, csv, subprocess), threads, asyncio, exception groups. Node:
uncaught errors, rejected promises, ``cause`` chains, JSON and module errors.
"""

from __future__ import annotations

import json
import random
import re
import shlex
from string import Template

from kompress.data.corpus._runtime import ADJS, NOUNS, SERVICES, VERBS, Family, Sample, TaskCtx

CLI = '''"""Command-line entry point of $pkg."""
import argparse
import logging
import sys

from . import service

log = logging.getLogger("$pkg")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="$pkg")
    parser.add_argument("--input", default="data/$noun.json")
    parser.add_argument("--limit", type=int, default=$limit)
    parser.add_argument("--mode", default="$mode")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.info("starting $pkg (mode=%s, limit=%d)", args.mode, args.limit)
    for step in range($warmup):
        log.info("warm-up step %d/%d ok", step + 1, $warmup)
    result = service.handle(args)
    print("done:", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

SCENARIOS: dict[str, str] = {
    "config-keyerror": '''import json


def load_settings(path):
    with open(path) as fh:
        return json.load(fh)


def entry(args):
    settings = load_settings(args.input)
    section = settings["$noun"]
    return connect(section["host"], section["$key"])


def connect(host, port):
    return f"{host}:{port}"
''',
    "chained-from": '''class ${Cls}Error(Exception):
    """Raised when the $noun settings are unusable."""


def parse_limit(raw):
    try:
        return int(raw)
    except ValueError as exc:
        raise ${Cls}Error(f"invalid $key value {raw!r} in {'$noun'} settings") from exc


def entry(args):
    values = {"$key": "$badval", "retries": "3"}
    limit = parse_limit(values["$key"])
    return limit * args.limit
''',
    "during-handling": '''import os


class Session:
    def __init__(self, name):
        self.name = name
        self.handle = None

    def open(self, path):
        self.handle = open(path)
        return self

    def close(self):
        self.handle.close()


def entry(args):
    session = Session("$noun")
    try:
        session.open(os.path.join("var", "$noun", "$file"))
    except OSError:
        session.close()
    return session.name
''',
    "attribute-none": '''class Registry:
    def __init__(self):
        self.items = {}

    def register(self, key, value):
        self.items[key] = value

    def lookup(self, key):
        return self.items.get(key)


def entry(args):
    reg = Registry()
    for i in range(args.limit):
        reg.register(f"$noun-{i}", {"id": i, "owner": "$user"})
    item = reg.lookup("$noun-$missing")
    return item.get("owner")
''',
    "type-error": '''def total_price(items, tax_rate):
    subtotal = sum(item["price"] * item["qty"] for item in items)
    return subtotal + subtotal * tax_rate


def entry(args):
    items = [{"price": 9.5, "qty": 2}, {"price": "$badval", "qty": 1}, {"price": 3, "qty": 4}]
    return round(total_price(items, 0.2), 2)
''',
    "recursion": '''def resolve(graph, node, path=()):
    deps = graph.get(node, [])
    return [node] + [d for dep in deps for d in resolve(graph, dep, path + (node,))]


def entry(args):
    graph = {"$noun-{}".format(i): ["$noun-{}".format(i + 1)] for i in range($depth)}
    graph["$noun-$depth"] = ["$noun-$back"]
    return len(resolve(graph, "$noun-0"))
''',
    "file-not-found": '''import csv
from pathlib import Path


def read_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def entry(args):
    base = Path("data") / "$noun"
    rows = []
    for name in ["$file", "$noun-archive.csv"]:
        rows += read_rows(base / name)
    return len(rows)
''',
    "json-decode": '''import json


def parse_payload(text):
    return json.loads(text)


def entry(args):
    payload = '{"$key": 1, "$noun": [1, 2, 3] "status": "$adj"}'
    return parse_payload(payload)["status"]
''',
    "index-error": '''def window(values, size):
    return [values[i + size] - values[i] for i in range(len(values))]


def entry(args):
    values = [i * $depth % 97 for i in range(args.limit)]
    deltas = window(values, $back)
    return max(deltas)
''',
    "zero-division": '''def mean(xs):
    return sum(xs) / len(xs)


def summarize(groups):
    return {name: round(mean(vals), 3) for name, vals in groups.items()}


def entry(args):
    groups = {"$noun": [1.5, 2.5, 4.0], "$key": [], "$user": [7.0]}
    return summarize(groups)
''',
    "import-error": '''import importlib


def load_plugin(name):
    return importlib.import_module(name)


def entry(args):
    plugins = ["json", "${pkg}_plugins.${noun}_$key"]
    return [load_plugin(p).__name__ for p in plugins]
''',
    "assertion": '''def rebalance(buckets):
    total = sum(buckets.values())
    moved = {k: v // 2 for k, v in buckets.items()}
    assert sum(moved.values()) == total, f"rebalance lost {total - sum(moved.values())} $noun units"
    return moved


def entry(args):
    return rebalance({"$key": $depth, "$user": 7, "$noun": 3})
''',
    "nested-chain": '''class StorageError(Exception):
    pass


class ${Cls}Error(Exception):
    pass


def read_block(n):
    raise OSError(28, "No space left on device", f"/var/lib/$noun/blk{n:04d}")


def flush(n):
    try:
        read_block(n)
    except OSError as exc:
        raise StorageError(f"flush of block {n} failed") from exc


def commit(args):
    try:
        flush($depth)
    except StorageError as exc:
        raise ${Cls}Error("commit aborted; $noun journal left $adj") from exc


def entry(args):
    return commit(args)
''',
    "unicode-decode": '''def read_text(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def entry(args):
    with open("$file", "wb") as fh:
        fh.write("$noun;$key\\n".encode() + bytes([0xff, 0xfe, 0x41]) + b"\\n")
    return len(read_text("$file"))
''',
    "thread-error": '''import threading


def worker(n, out):
    out[n] = 100 // (n - $back)


def entry(args):
    out = {}
    threads = [threading.Thread(target=worker, args=(n, out), name=f"$noun-worker-{n}") for n in range($depth)]
    for t in threads:
        t.start()
        t.join()
    return sorted(out)
''',
    "asyncio-error": '''import asyncio


async def fetch(i):
    await asyncio.sleep(0)
    if i == $back:
        raise ConnectionResetError(f"peer reset while reading $noun {i}")
    return i


async def gather_all(n):
    return await asyncio.gather(*(fetch(i) for i in range(n)))


def entry(args):
    return asyncio.run(gather_all($depth))
''',
    "exception-group": '''def check(name, value):
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if value > 100:
        raise OverflowError(f"{name} above 100: {value}")


def entry(args):
    errors = []
    for name, value in {"$noun": -$back, "$key": 130 + $depth, "$user": 5}.items():
        try:
            check(name, value)
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise ExceptionGroup("$noun validation failed", errors)
''',
    "subprocess-error": '''import subprocess
import sys


def run_step(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def entry(args):
    return run_step([sys.executable, "-c", "import sys; sys.exit($depth)"]).stdout
''',
}


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

NODE: dict[str, str] = {
    "node-undefined-prop": """'use strict';
const $noun = require('./lib/$noun');

function summarize(records) {
  return records.map((r) => `${r.id}:${r.meta.$key}`).join(',');
}

const records = $noun.load($count);
console.log(`loaded ${records.length} $noun records`);
console.log(summarize(records));
""",
    "node-reference": """'use strict';

function compute$Cls(values) {
  let total = 0;
  for (const v of values) {
    total += v * ${key}Factor;
  }
  return total;
}

const values = Array.from({ length: $count }, (_, i) => i * 3);
console.log('computing $noun totals for', values.length, 'values');
console.log(compute$Cls(values));
""",
    "node-json-parse": """'use strict';
const fs = require('fs');

function readConfig(path) {
  const raw = fs.readFileSync(path, 'utf8');
  return JSON.parse(raw);
}

const cfg = readConfig('./config/$noun.json');
console.log('$key =', cfg.$key);
""",
    "node-module-missing": """'use strict';
const path = require('path');
const $noun = require('./lib/$noun');
const helper = require('$pkgname');

console.log(path.basename(__filename), $noun.load(3).length, helper);
""",
    "node-stack-overflow": """'use strict';

function walk(node, seen = 0) {
  return node.children.reduce((acc, c) => acc + walk(c, seen + 1), 1);
}

const nodes = Array.from({ length: $count }, (_, i) => ({ id: i, children: [] }));
for (let i = 0; i + 1 < nodes.length; i++) nodes[i].children.push(nodes[i + 1]);
nodes[nodes.length - 1].children.push(nodes[$back]);
console.log('walking $noun tree of', nodes.length);
console.log(walk(nodes[0]));
""",
    "node-promise-reject": """'use strict';
const $noun = require('./lib/$noun');

async function fetch$Cls(id) {
  await new Promise((resolve) => setImmediate(resolve));
  if (id === $back) {
    const err = new Error(`upstream returned 503 for $noun ${id}`);
    err.code = 'E_UPSTREAM';
    throw err;
  }
  return { id, ok: true };
}

async function main() {
  const ids = $noun.load($count).map((r) => r.id);
  const results = [];
  for (const id of ids) {
    results.push(await fetch$Cls(id));
    console.log(`fetched $noun ${id}`);
  }
  return results;
}

main().then((r) => console.log('done', r.length));
""",
    "node-error-cause": """'use strict';

class ${Cls}Error extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = '${Cls}Error';
  }
}

function parsePort(raw) {
  const port = Number.parseInt(raw, 10);
  if (Number.isNaN(port)) {
    throw new TypeError(`port must be a number, got "${raw}"`);
  }
  return port;
}

function loadSettings(env) {
  try {
    return { port: parsePort(env.${KEY}_PORT) };
  } catch (err) {
    throw new ${Cls}Error('cannot load $noun settings', { cause: err });
  }
}

console.log('booting $noun service');
console.log(loadSettings({ ${KEY}_PORT: '$badval' }));
""",
    "node-assert": """'use strict';
const assert = require('assert');
const $noun = require('./lib/$noun');

const got = $noun.load($count).map((r) => ({ id: r.id, state: r.id % 3 === 0 ? 'open' : 'closed' }));
const want = got.map((r) => ({ ...r }));
want[$back].state = '$adj';
console.log('checking', got.length, '$noun states');
assert.deepStrictEqual(got, want);
""",
}

NODE_LIB = """'use strict';

function load(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ id: i, name: `$noun-${i}`, meta: i % $mod === 0 ? undefined : { $key: i * 7 } });
    console.log(`[lib/$noun] loaded $noun-${i} (${i % $mod === 0 ? 'no meta' : '$key=' + i * 7})`);
  }
  return out;
}

module.exports = { load };
"""


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
    Family("python-traceback", "traceback", tuple(SCENARIOS), produce_python, 380, (), None,
           "Python packages raising through real frames"),
    Family("node-traceback", "traceback", tuple(NODE), produce_node, 150, ("node",), None,
           "Node.js uncaught errors and rejections"),
]
