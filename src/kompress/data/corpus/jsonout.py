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


API_PROGRAM = r'''"""Print a fake API response for one resource kind, seeded: python api.py KIND SEED."""
import json
import random
import sys

KIND, SEED = sys.argv[1], int(sys.argv[2])
INDENT = None if sys.argv[3] == "none" else int(sys.argv[3])
rng = random.Random(SEED)
NAMES = ["ada", "grace", "linus", "margaret", "ken", "barbara", "dennis", "frances", "alan", "edsger", "radia", "guido"]
WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta", "theta", "lambda"]


def ts(day=None):
    d = day if day is not None else rng.randint(1, 28)
    return f"2024-{rng.randint(1, 12):02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"


def maybe(v, p=0.25):
    return None if rng.random() < p else v


def user(i):
    n = rng.choice(NAMES)
    return {"id": 1000 + i * 7, "login": f"{n}{rng.randint(1, 99)}", "email": maybe(f"{n}@example.com"),
            "name": maybe(n.capitalize() + " " + rng.choice(["Lovelace", "Hopper", "Torvalds", "Liskov"])),
            "roles": rng.sample(["admin", "dev", "viewer", "billing"], rng.randint(0, 2)),
            "created_at": ts(), "last_login": maybe(ts(), 0.4), "mfa_enabled": rng.random() < 0.5,
            "settings": {"theme": rng.choice(["dark", "light", None]), "notifications": rng.random() < 0.7}}


def k_users():
    n = rng.randint(4, 40)
    return {"data": [user(i) for i in range(n)], "page": 1, "per_page": n, "total": n + rng.randint(0, 400),
            "next_cursor": maybe(f"c_{rng.getrandbits(40):x}", 0.3)}


def k_orders():
    orders = []
    for i in range(rng.randint(3, 20)):
        items = [{"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 5), "unit_price": round(rng.uniform(1, 300), 2),
                  "discount": maybe(round(rng.uniform(0, 0.3), 2), 0.7)} for _ in range(rng.randint(0, 4))]
        orders.append({"order_id": f"ord_{rng.getrandbits(48):012x}", "status": rng.choice(["pending", "paid", "shipped", "cancelled", "refunded"]),
                       "customer_id": rng.randint(1, 99999), "items": items, "shipping_address": maybe({"city": rng.choice(["Berlin", "Lagos", "Lima", "Osaka"]), "zip": f"{rng.randint(10000, 99999)}"}),
                       "coupon": maybe(rng.choice(WORDS).upper() + "10", 0.8), "created_at": ts(), "notes": []})
    return {"orders": orders, "count": len(orders), "has_more": rng.random() < 0.5}


def k_issues():
    out = []
    for i in range(rng.randint(2, 12)):
        out.append({"number": rng.randint(1, 9000), "title": f"{rng.choice(['Crash', 'Bug', 'Regression', 'Feature'])}: {rng.choice(WORDS)} {rng.choice(['fails', 'hangs', 'is slow', 'leaks memory'])} on {rng.choice(['linux', 'macOS', 'windows'])}",
                    "state": rng.choice(["open", "closed"]), "locked": False, "user": {"login": rng.choice(NAMES), "id": rng.randint(1, 10**6), "site_admin": False},
                    "labels": [{"name": l, "color": f"{rng.getrandbits(24):06x}"} for l in rng.sample(["bug", "p1", "needs-triage", "good first issue", "wontfix"], rng.randint(0, 3))],
                    "assignee": maybe({"login": rng.choice(NAMES)}, 0.5), "assignees": [], "milestone": maybe({"title": f"v{rng.randint(1, 5)}.{rng.randint(0, 9)}"}, 0.6),
                    "comments": rng.randint(0, 40), "created_at": ts(), "closed_at": maybe(ts(), 0.6), "body": maybe("Steps to reproduce:\n1. run it\n2. observe the crash", 0.3),
                    "reactions": {"+1": rng.randint(0, 20), "-1": 0, "heart": rng.randint(0, 3)}})
    return out


def k_pods():
    items = []
    for i in range(rng.randint(2, 10)):
        phase = rng.choice(["Running", "Running", "Pending", "CrashLoopBackOff", "Failed"])
        restarts = 0 if phase == "Running" else rng.randint(1, 40)
        items.append({"metadata": {"name": f"{rng.choice(WORDS)}-{rng.getrandbits(20):05x}-{rng.getrandbits(20):05x}", "namespace": rng.choice(["default", "prod", "staging"]),
                                   "labels": {"app": rng.choice(WORDS), "tier": maybe(rng.choice(["web", "worker"]))}, "annotations": {}},
                      "spec": {"nodeName": maybe(f"node-{rng.randint(1, 12)}", 0.2), "containers": [{"name": "app", "image": f"registry.local/{rng.choice(WORDS)}:{rng.randint(1, 40)}.{rng.randint(0, 9)}",
                               "resources": {"limits": {"memory": f"{rng.choice([256, 512, 1024])}Mi", "cpu": maybe("500m")}, "requests": {}}}]},
                      "status": {"phase": phase, "podIP": maybe(f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"),
                                 "containerStatuses": [{"name": "app", "ready": phase == "Running", "restartCount": restarts,
                                                        "state": {"waiting": {"reason": phase, "message": "back-off 5m0s restarting failed container"}} if phase == "CrashLoopBackOff" else {"running": {"startedAt": ts()}},
                                                        "lastState": {"terminated": {"exitCode": rng.choice([1, 137, 139, 2]), "reason": rng.choice(["Error", "OOMKilled"])}} if restarts else {}}]}})
    return {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": str(rng.randint(10**5, 10**7))}}


def k_search():
    hits = [{"_index": f"{rng.choice(WORDS)}-2024.{rng.randint(1, 12):02d}", "_id": f"{rng.getrandbits(64):016x}", "_score": maybe(round(rng.uniform(0.1, 12), 4), 0.1),
             "_source": {"title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))), "tags": rng.sample(WORDS, rng.randint(0, 3)),
                         "price": maybe(round(rng.uniform(1, 99), 2)), "in_stock": rng.random() < 0.6}} for _ in range(rng.randint(2, 20))]
    return {"took": rng.randint(1, 900), "timed_out": rng.random() < 0.05, "_shards": {"total": 5, "successful": 5 - (s := rng.randint(0, 1)), "skipped": 0, "failed": s},
            "hits": {"total": {"value": len(hits) + rng.randint(0, 1000), "relation": "eq"}, "max_score": hits[0]["_score"] if hits else None, "hits": hits}}


def k_error():
    errs = [{"field": f"{rng.choice(['user', 'order', 'items[0]', 'address'])}.{rng.choice(['email', 'qty', 'zip', 'name'])}",
             "code": rng.choice(["required", "invalid_format", "too_long", "out_of_range"]), "message": rng.choice(["must not be blank", "must be a valid email address", "must be between 1 and 99", "is not a valid postal code"]),
             "rejected_value": maybe(rng.choice(["", "abc", -4, "x" * 12]), 0.3)} for _ in range(rng.randint(2, 10))]
    status = rng.choice([400, 409, 422, 429, 500, 503])
    return {"type": f"https://errors.example.com/{status}", "title": {400: "Bad Request", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}[status],
            "status": status, "detail": rng.choice(["Validation failed for 3 fields", "Request could not be processed", "Retry after 30 seconds"]),
            "instance": f"/api/v2/{rng.choice(['orders', 'users', 'payments'])}/{rng.randint(1, 10**6)}", "trace_id": f"{rng.getrandbits(128):032x}", "errors": errs, "retry_after": maybe(rng.choice([5, 30, 60]), 0.6)}


def k_metrics():
    series = []
    for m in rng.sample(["cpu_usage", "mem_rss_bytes", "http_5xx", "p99_latency_ms", "queue_depth"], rng.randint(1, 4)):
        series.append({"metric": {"__name__": m, "instance": f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 99)}:9100", "job": rng.choice(WORDS)},
                       "values": [[1709629200 + 60 * k, maybe(f"{rng.uniform(0, 100):.3f}", 0.05)] for k in range(rng.randint(6, 40))]})
    return {"status": "success", "data": {"resultType": "matrix", "result": series}, "warnings": []}


def k_flags():
    flags = {}
    for _ in range(rng.randint(3, 20)):
        name = f"{rng.choice(WORDS)}_{rng.choice(['checkout', 'search', 'beta_ui', 'fast_path', 'new_billing'])}"
        flags[name] = {"enabled": rng.random() < 0.5, "rollout": maybe(rng.choice([0, 5, 25, 50, 100])), "variants": rng.sample(["control", "a", "b"], rng.randint(0, 3)),
                       "owner": maybe(rng.choice(NAMES)), "expires": maybe(ts(), 0.5), "rules": [] if rng.random() < 0.6 else [{"attr": "country", "op": "in", "values": ["DE", "FR"]}]}
    return {"version": rng.randint(1, 500), "environment": rng.choice(["prod", "staging"]), "flags": flags, "updated_by": maybe(rng.choice(NAMES))}


def k_package():
    name = rng.choice(WORDS) + "-" + rng.choice(["utils", "client", "parser", "cli"])
    versions = [f"{a}.{b}.{c}" for a in range(rng.randint(1, 3)) for b in range(rng.randint(1, 4)) for c in range(rng.randint(1, 3))]
    return {"name": name, "description": maybe(f"A small {rng.choice(WORDS)} library"), "dist-tags": {"latest": versions[-1], "next": maybe(versions[-1] + "-rc.1", 0.6)},
            "versions": versions, "time": {v: ts() for v in versions[-5:]}, "maintainers": [{"name": rng.choice(NAMES), "email": None}],
            "dependencies": {d: f"^{rng.randint(0, 9)}.{rng.randint(0, 20)}.0" for d in rng.sample(["lodash", "chalk", "debug", "semver", "yargs", "tslib"], rng.randint(0, 4))},
            "deprecated": maybe("use @scope/" + name + " instead", 0.85), "license": rng.choice(["MIT", "ISC", "Apache-2.0", None]), "bugs": {}, "keywords": []}


def k_instances():
    res = []
    for _ in range(rng.randint(1, 4)):
        inst = []
        for _ in range(rng.randint(1, 4)):
            state = rng.choice(["running", "stopped", "terminated", "pending"])
            inst.append({"InstanceId": f"i-{rng.getrandbits(68):017x}", "InstanceType": rng.choice(["t3.micro", "m5.large", "c6g.xlarge"]), "State": {"Code": {"running": 16, "stopped": 80, "terminated": 48, "pending": 0}[state], "Name": state},
                         "PrivateIpAddress": maybe(f"172.31.{rng.randint(0, 255)}.{rng.randint(1, 254)}"), "PublicIpAddress": maybe(f"3.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", 0.5),
                         "Tags": [{"Key": "Name", "Value": rng.choice(WORDS) + "-" + rng.choice(["web", "db", "batch"])}] if rng.random() < 0.8 else [],
                         "BlockDeviceMappings": [], "StateReason": {"Code": "Client.UserInitiatedShutdown", "Message": "User initiated shutdown"} if state == "stopped" else None, "LaunchTime": ts()})
        res.append({"ReservationId": f"r-{rng.getrandbits(68):017x}", "OwnerId": str(rng.randint(10**11, 10**12 - 1)), "Groups": [], "Instances": inst})
    return {"Reservations": res}


def k_health():
    checks = {c: {"status": rng.choice(["pass", "pass", "warn", "fail"]), "observedValue": maybe(rng.randint(0, 5000)), "observedUnit": maybe(rng.choice(["ms", "connections", "percent"])),
                  "time": ts(), "output": maybe(rng.choice(["connection refused", "timeout after 5000ms", "disk 91% full"]), 0.6)} for c in rng.sample(["postgres:responseTime", "redis:connections", "disk:utilization", "kafka:lag", "s3:reachability", "smtp:responseTime"], rng.randint(2, 6))}
    worst = "fail" if any(v["status"] == "fail" for v in checks.values()) else "warn" if any(v["status"] == "warn" for v in checks.values()) else "pass"
    return {"status": worst, "version": f"{rng.randint(1, 9)}", "releaseId": f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}", "notes": [], "serviceId": f"{rng.getrandbits(32):08x}", "checks": checks, "links": {}}


doc = globals()["k_" + KIND]()
print(json.dumps(doc, indent=INDENT, sort_keys=rng.random() < 0.3))
'''

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
