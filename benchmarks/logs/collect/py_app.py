"""Real Python program: audits the installed Debian packages.

Loads /var/lib/dpkg/status into SQLite (structlog, key=value console output), then checks every
file listed in /var/lib/dpkg/info/*.list of a sample of packages with a thread pool (loguru),
reporting missing files, unreadable files, checksum mismatches against *.md5sums, SQLite
constraint errors and a real exception traceback. Usage: py_app.py LOGURU_OUT.log STRUCTLOG_OUT.log
(needs: pip install loguru structlog)
"""
import hashlib
import logging
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import structlog
from loguru import logger

lg_out, sl_out = sys.argv[1], sys.argv[2]
logger.remove()
logger.add(lg_out, level="DEBUG", mode="w", backtrace=False, diagnose=False,
           format="{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}")
sl_file = open(sl_out, "w")
structlog.configure(
    processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                structlog.dev.ConsoleRenderer(colors=False, pad_event_to=30)],
    logger_factory=structlog.PrintLoggerFactory(file=sl_file), wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
slog = structlog.get_logger().bind(component="dpkg-loader")


def load_status(db):
    db.execute("create table pkg (name text primary key, version text, status text, size int, section text)")
    rec, n = {}, 0
    log = slog.bind(source="/var/lib/dpkg/status")
    log.info("loading package database")
    for line in open("/var/lib/dpkg/status", encoding="utf-8", errors="replace"):
        if line.strip() == "":
            if rec:
                n += 1
                try:
                    db.execute("insert into pkg values (?,?,?,?,?)", (rec.get("Package"), rec.get("Version"), rec.get("Status"),
                                                                    int(rec["Installed-Size"]), rec.get("Section")))
                    if n % 40 == 0:
                        log.debug("inserted batch", rows=n)
                except KeyError as e:
                    log.warning("package without field", package=rec.get("Package"), field=str(e))
                except sqlite3.IntegrityError as e:
                    log.error("insert failed", package=rec.get("Package"), error=str(e))
            rec = {}
            continue
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            rec[k] = v.strip()
    try:  # a real duplicate
        db.execute("insert into pkg values ('bash','x','x',1,'x')")
    except sqlite3.IntegrityError as e:
        log.error("insert failed", package="bash", error=str(e))
    log.info("package database loaded", packages=n)
    for sec, cnt, size in db.execute("select section, count(*), sum(size) from pkg group by section order by 2 desc limit 12"):
        slog.info("section summary", section=sec, packages=cnt, installed_kb=size)
    big = db.execute("select name, size from pkg order by size desc limit 8").fetchall()
    for name, size in big:
        slog.warning("large package", package=name, installed_kb=size, threshold_kb=20000) if size > 20000 else slog.info("large package", package=name, installed_kb=size)


def audit(pkg):
    lst = f"/var/lib/dpkg/info/{pkg}.list"
    if not os.path.exists(lst):
        lst = next((f"/var/lib/dpkg/info/{f}" for f in os.listdir("/var/lib/dpkg/info") if f.startswith(pkg + ":") and f.endswith(".list")), lst)
    sums = {}
    md5 = lst[:-5] + ".md5sums"
    if os.path.exists(md5):
        for l in open(md5, encoding="utf-8", errors="replace"):
            h, _, p = l.strip().partition("  ")
            sums["/" + p] = h
    missing = checked = bad = 0
    try:
        paths = [l.rstrip("\n") for l in open(lst, encoding="utf-8", errors="replace")]
    except FileNotFoundError:
        logger.error("no file list for package {}", pkg)
        return 0
    for p in paths:
        if os.path.isdir(p):
            continue
        if not os.path.lexists(p):
            missing += 1
            if missing <= 3:
                logger.warning("{}: listed file missing: {}", pkg, p)
            continue
        if p in sums and checked < 25:
            checked += 1
            try:
                with open(p, "rb") as f:
                    if hashlib.md5(f.read()).hexdigest() != sums[p]:
                        bad += 1
                        logger.error("{}: checksum mismatch for {}", pkg, p)
            except PermissionError:
                logger.warning("{}: permission denied on {}", pkg, p)
    if missing > 3:
        logger.warning("{}: {} more missing files not shown", pkg, missing - 3)
    logger.info("audited {} files={} checked={} missing={} mismatched={}", pkg, len(paths), checked, missing, bad)
    return missing


def main():
    logger.info("audit run starting pid={} python={}", os.getpid(), sys.version.split()[0])
    db = sqlite3.connect(":memory:", check_same_thread=False)
    t0 = time.time()
    load_status(db)
    names = [r[0] for r in db.execute("select name from pkg order by name")]
    sample = names[::4] + ["libghost0", "not-a-package"]
    logger.debug("sampled {} of {} packages", len(sample), len(names))
    with ThreadPoolExecutor(4) as ex:
        total = sum(ex.map(audit, sample))
    logger.info("audit complete: {} packages, {} missing files, {:.2f}s", len(sample), total, time.time() - t0)
    try:
        db.execute("select version from pkg where name = ?", ("bash",)).fetchone()[0].split("-")[5]
    except Exception:
        logger.exception("failed to parse upstream version")
    try:
        db.execute("select * from packages")
    except sqlite3.OperationalError:
        logger.opt(exception=True).critical("report query failed, aborting report")
    slog.info("shutdown", uptime_s=round(time.time() - t0, 2))


main()
