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

SERVICE = r'''"""A simulated ${service} service: handles requests and logs like production code."""
import argparse
import logging
import random
import sys
import time

SERVICE = "${service}"
ENDPOINTS = ${endpoints}
FAILURES = ${failures}
FORMATS = {
    "classic": "%(asctime)s %(levelname)-5s [%(name)s] %(message)s",
    "bracket": "[%(asctime)s] [%(levelname)s] %(name)s: %(message)s",
    "thread": "%(asctime)s.%(msecs)03d %(levelname)s %(process)d --- [%(threadName)s] %(name)s : %(message)s",
    "kv": "ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=\"%(message)s\"",
    "syslog": "%(asctime)s ${host} %(name)s[%(process)d]: %(levelname)s %(message)s",
}
DATEFMTS = {"classic": "%Y-%m-%d %H:%M:%S", "bracket": "%Y-%m-%dT%H:%M:%S%z", "thread": "%Y-%m-%d %H:%M:%S",
            "kv": "%Y-%m-%dT%H:%M:%SZ", "syslog": "%b %d %H:%M:%S"}


class Clock:
    """Seeded fake wall clock so every run logs the same timestamps."""

    def __init__(self, start, rng):
        self.now = start
        self.rng = rng

    def tick(self, lo=0.001, hi=0.9):
        self.now += self.rng.uniform(lo, hi)
        return self.now


class UpstreamError(Exception):
    pass


def handle(endpoint, req_id, rng, db, cache):
    if endpoint in FAILURES and rng.random() < FAILURES[endpoint]:
        kind = rng.choice(["timeout", "key", "value", "upstream", "zero"])
        if kind == "timeout":
            raise TimeoutError(f"query on {db} exceeded {rng.choice([5, 10, 30])}s (request {req_id})")
        if kind == "key":
            return {}["${field}"]
        if kind == "value":
            return int("${badval}")
        if kind == "zero":
            return rng.randint(1, 9) // 0
        raise UpstreamError(f"{rng.choice(['502 Bad Gateway', '503 Service Unavailable', 'connection reset'])} "
                            f"from {rng.choice(['payments-api', 'ledger', 'geo', 'inventory'])}:{rng.choice([443, 8443, 9090])}")
    return rng.randint(1, 500)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", default="classic")
    p.add_argument("--level", default="INFO")
    a = p.parse_args()
    rng = random.Random(a.seed)
    clock = Clock(${start}, rng)
    logging.Formatter.converter = time.gmtime
    root = logging.getLogger()
    h = logging.StreamHandler(sys.stdout)
    h.setFormatter(logging.Formatter(FORMATS[a.format], DATEFMTS[a.format]))
    root.addHandler(h)
    root.setLevel(a.level)
    old_factory = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        rec = old_factory(*args, **kwargs)
        rec.created = clock.tick()
        rec.msecs = (rec.created - int(rec.created)) * 1000
        rec.process = ${pid}
        rec.threadName = rng.choice(["main", "worker-1", "worker-2", "http-nio-8080-exec-3", "pool-2-thread-1"])
        return rec

    logging.setLogRecordFactory(factory)
    log = logging.getLogger(SERVICE)
    http = logging.getLogger(SERVICE + ".http")
    dbl = logging.getLogger(SERVICE + ".db")
    log.info("starting %s v%s (pid %d, %d workers)", SERVICE, "${version}", ${pid}, ${workers})
    dbl.info("connected to postgres://%s:5432/%s (pool size %d)", "${dbhost}", SERVICE, ${pool})
    log.debug("config loaded from /etc/%s/config.yaml", SERVICE)
    errors = 0
    for req_id in range(1, a.requests + 1):
        ep = rng.choice(ENDPOINTS)
        method = "POST" if ep.startswith(("create", "update", "charge")) else "GET"
        path = "/api/v1/" + ep.replace("_", "/") + ("/%d" % rng.randint(1, 99999) if rng.random() < 0.5 else "")
        try:
            size = handle(ep, req_id, rng, "${dbhost}", None)
            ms = rng.randint(2, 180)
            http.info('%s %s 200 %dms %dB req=%06x', method, path, ms, size * 37, req_id * 7919)
            if ms > 150:
                log.warning("slow request %s %s took %dms (threshold 150ms)", method, path, ms)
            if rng.random() < 0.05:
                dbl.warning("pool nearly exhausted: %d/%d connections in use", ${pool} - 1, ${pool})
            if rng.random() < 0.1:
                log.debug("cache hit ratio %.2f", rng.random())
        except TimeoutError:
            errors += 1
            log.error("request %d %s %s failed: upstream timeout", req_id, method, path)
            http.info('%s %s 504 %dms 0B req=%06x', method, path, rng.randint(5000, 30000), req_id * 7919)
        except Exception:
            errors += 1
            log.exception("unhandled error while processing %s %s (request %d)", method, path, req_id)
            http.info('%s %s 500 %dms 112B req=%06x', method, path, rng.randint(3, 90), req_id * 7919)
        if req_id % ${heartbeat} == 0:
            log.info("heartbeat: %d requests served, %d errors", req_id, errors)
    if errors > a.requests // 10:
        log.critical("error rate %.1f%% above budget; paging on-call", 100.0 * errors / a.requests)
    log.info("shutting down after %d requests (%d errors)", a.requests, errors)


if __name__ == "__main__":
    main()
'''

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
