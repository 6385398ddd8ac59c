"""JSON: real ``pip list --format json`` / ``pip inspect`` output and API-like responses.

pip runs against a folder holding a seeded subset of this venv's ``*.dist-info`` metadata
(``--path``), so its output is real but bounded. API responses come from a seeded Python
program (one template per resource kind) whose documents carry nulls, empty arrays, nested
objects and error payloads, printed as ``curl`` or ``python -m json.tool`` would show them.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from kompress.data.corpus._runtime import Family, Sample, TaskCtx
from kompress.data.corpus._templates import template

N_PIP_GROUPS = 4


def _dist_infos(max_meta: int | None) -> list[Path]:
    """This venv's ``*.dist-info`` folders (with METADATA under ``max_meta`` bytes, if given)."""
    site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    out = []
    for d in sorted(site.glob("*.dist-info")):
        meta = d / "METADATA"
        if meta.exists() and (max_meta is None or meta.stat().st_size < max_meta):
            out.append(d)
    return out


def produce_pip(ctx: TaskCtx) -> list[Sample]:
    group = int(ctx.template.split("-")[-1])
    inspect = ctx.family.name == "pip-inspect"
    # pip inspect prints each package's whole description: keep to small METADATA files
    dists = [d for k, d in enumerate(_dist_infos(6000 if inspect else None)) if k % N_PIP_GROUPS == group]
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        if not dists:
            break
        site = ctx.dir / f"env{i}" / "lib" / "site-packages"
        site.mkdir(parents=True)
        k = rng.randint(2, 6) if inspect else rng.randint(min(5, len(dists)), len(dists))
        pick = rng.sample(dists, min(len(dists), k))
        for d in sorted(pick):
            dest = site / d.name
            dest.mkdir()
            for f in ("METADATA", "INSTALLER", "REQUESTED", "direct_url.json"):
                if (d / f).exists():
                    shutil.copy2(d / f, dest / f)
        rel = f"env{i}/lib/site-packages"
        if inspect:
            argv = ["python", "-m", "pip", "inspect", "--path", rel]
        else:
            argv = ["python", "-m", "pip", "list", "--format", "json", "--path", rel]
            if rng.random() < 0.3:
                argv.append("--not-required")
        r = ctx.run(argv, timeout=120, stderr=False)
        shown = shlex.join(argv)
        text = r.out
        if ctx.family.name == "pip-list" and rng.random() < 0.5:
            # what an agent sees when it pipes through a pretty-printer
            r2 = ctx.run(shown + " | python -m json.tool", timeout=120, stderr=False)
            shown, text = shown + " | python -m json.tool", r2.out
        out.append(ctx.sample(shown, text, i, {str(ctx.dir / f"env{i}"): f"{ctx.fake_root}/.venv"}))
    return out


# The seeded response printer (templates/jsonout/api.py.tmpl), written as-is into each task.
API_PROGRAM = template("jsonout", "api.py.tmpl")

API_KINDS = ("users", "orders", "issues", "pods", "search", "error", "metrics", "flags", "package", "instances", "health")


def produce_api(ctx: TaskCtx) -> list[Sample]:
    ctx.write("tools/api.py", API_PROGRAM)
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        seed = rng.randint(0, 10**6)
        indent = rng.choice(["2", "2", "4", "none"])
        argv = ["python", "tools/api.py", ctx.template, str(seed), indent]
        r = ctx.run(argv, timeout=60)
        route = {"users": "/v1/users", "orders": "/v1/orders?status=any", "issues": "/repos/acme/app/issues",
                 "pods": "/api/v1/namespaces/default/pods", "search": "/products/_search", "error": "/api/v2/orders",
                 "metrics": "/api/v1/query_range", "flags": "/flags", "package": "/registry/pkg",
                 "instances": "/?Action=DescribeInstances", "health": "/health"}[ctx.template]
        host = rng.choice(["localhost:8080", "api.internal", "127.0.0.1:9000", "staging.example.com"])
        # The command records how the text was really made; the route shows what it stands for.
        shown = f"{shlex.join(argv)}  # stands in for: curl -s http://{host}{route}"
        out.append(ctx.sample(shown, r.out, i))
    return out


FAMILIES = [
    Family("pip-inspect", "json", tuple(f"pipenv-{k}" for k in range(N_PIP_GROUPS)), produce_pip, 40, (), "pip",
           "pip inspect --path over a subset of this venv's metadata"),
    Family("pip-list", "json", tuple(f"pipenv-{k}" for k in range(N_PIP_GROUPS)), produce_pip, 40, (), "pip",
           "pip list --format json"),
    Family("api-json", "json", API_KINDS, produce_api, 330, (), None,
           "API-like responses with nulls and empty arrays from a seeded program"),
]
