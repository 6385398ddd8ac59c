"""Application logs: a real Python service simulation that logs with the ``logging`` module.

Each template is one service (billing, auth, search, ...) with its own request kinds, failure
modes and log format; an item runs it for a seeded number of requests with a seeded clock
(``logging`` records get their ``created`` time from it), so the log has repeated INFO lines,
timestamps, a few WARN/ERROR lines and stack traces from ``log.exception`` of real exceptions.
"""

from __future__ import annotations

import shlex
from string import Template

from kompress.data.corpus._runtime import EPOCH, Family, Sample, TaskCtx
from kompress.data.corpus._templates import template

# The service program (templates/logs/service.py.tmpl), a string.Template over the item's settings.
SERVICE = template("logs", "service.py.tmpl")

TEMPLATES: dict[str, tuple[list[str], dict[str, float], str]] = {
    "billing": (["invoices", "charge_card", "invoices_pdf", "refunds", "create_invoice"], {"charge_card": 0.08, "refunds": 0.05}, "invoice_id"),
    "auth": (["login", "token_refresh", "users_me", "logout", "sessions"], {"login": 0.06, "token_refresh": 0.04}, "client_secret"),
    "search": (["search", "suggest", "index_status", "facets"], {"search": 0.05, "facets": 0.07}, "query"),
    "inventory": (["items", "update_stock", "warehouses", "reservations"], {"update_stock": 0.07}, "sku"),
    "checkout": (["cart", "create_order", "shipping_quote", "charge_card"], {"create_order": 0.06, "charge_card": 0.05}, "cart_id"),
    "notifier": (["send_email", "send_sms", "templates", "webhooks"], {"send_sms": 0.08, "webhooks": 0.06}, "recipient"),
    "gateway": (["proxy", "health", "routes", "rate_limits"], {"proxy": 0.05}, "upstream"),
    "scheduler": (["jobs", "create_job", "runs", "cron_next"], {"create_job": 0.05, "runs": 0.04}, "cron"),
    "ingest": (["events", "batch_upload", "schemas", "dead_letters"], {"batch_upload": 0.09}, "schema_version"),
    "reporting": (["reports", "export_csv", "dashboards"], {"export_csv": 0.07}, "report_id"),
    "media": (["upload", "thumbnails", "transcode", "assets"], {"transcode": 0.08, "upload": 0.04}, "content_type"),
    "profile": (["users", "update_profile", "avatars", "preferences"], {"update_profile": 0.05}, "locale"),
    "shipping": (["quotes", "labels", "tracking", "update_address"], {"labels": 0.06}, "carrier"),
    "analytics": (["events", "funnels", "cohorts", "retention"], {"cohorts": 0.07}, "metric"),
}


def produce_logs(ctx: TaskCtx) -> list[Sample]:
    out = []
    endpoints, failures, field = TEMPLATES[ctx.template]
    for i in range(ctx.n):
        rng = ctx.rng
        svc = ctx.template
        src = Template(SERVICE).substitute(
            service=svc, endpoints=repr(endpoints), failures=repr(failures), field=field,
            badval=rng.choice(["n/a", "12ms", "", "NaN%"]), start=EPOCH + rng.randint(0, 300) * 86400 + rng.randint(0, 86399),
            pid=rng.randint(1000, 60000), version=f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
            workers=rng.choice([2, 4, 8, 16]), dbhost=rng.choice(["db-primary", "10.0.3.12", "pg.internal", "localhost"]),
            pool=rng.choice([10, 20, 32]), heartbeat=rng.choice([10, 20, 25, 50]),
            host=rng.choice(["ip-10-0-1-17", "web-3", "prod-api-2", "worker-7"]))
        name = rng.choice([f"{svc}_service.py", f"{svc}/server.py", "app.py", "main.py"])
        ctx.write(name, src)
        fmt = rng.choice(["classic", "classic", "bracket", "thread", "kv", "syslog"])
        nreq = rng.choice([rng.randint(20, 60), rng.randint(60, 160), rng.randint(160, 320)])
        args = ["--requests", str(nreq), "--seed", str(rng.randint(0, 10**6)), "--format", fmt]
        if rng.random() < 0.2:
            args += ["--level", "DEBUG"]
        argv = ["python", name, *args]
        cmd = shlex.join(argv)
        if rng.random() < 0.3:
            cmd = f"{cmd} 2>&1 | tail -n {rng.choice([50, 80, 120])}"
        elif rng.random() < 0.2:
            cmd = f"{cmd} > {svc}.log 2>&1; cat {svc}.log"
        r = ctx.run(cmd, timeout=60)
        out.append(ctx.sample(cmd, r.out, i))
    return out


FAMILIES = [
    Family("app-log", "log", tuple(TEMPLATES), produce_logs, 400, (), None,
           "logging-module services with INFO noise, WARN/ERROR lines and stack traces"),
]
