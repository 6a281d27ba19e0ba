"""`python -m bench`: build the synthetic platform, run the cases, print a table, write JSON.

    python -m bench                       # everything at full size (make bench)
    python -m bench --smoke               # tiny sizes, a few seconds per case (make bench-smoke)
    python -m bench --cases 1,3 --workers 50000 --guilds 500 --ledger-rows 1000000
    python -m bench --profile --cases 1   # also profile the bot's side (untimed extra runs)
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.drive import ErrorCounter
from bench.generator import ROOT, build_platform
from bench.report import machine, now_iso, table, versions, write_json
from bench.sizes import FULL, SMOKE, Sizes

CASES = {
    "1": ("command cost", "bench.case1_commands"),
    "2": ("latency-bound throughput", "bench.case2_latency"),
    "3": ("push rate", "bench.case3_push"),
    "4": ("summaries", "bench.case4_summaries"),
    "5": ("footprint", "bench.case5_footprint"),
    "6": ("item tasks", "bench.case6_items"),
    "7": ("quality", "bench.case7_quality"),
    "8": ("payroll", "bench.case8_payroll"),
    "9": ("charts in summaries", "bench.case9_charts"),
    "10": ("export", "bench.case10_export"),
    "11": ("broadcast", "bench.case11_broadcast"),
    "12": ("event hooks", "bench.case12_hooks"),
    "13": ("PostgreSQL against SQLite", "bench.case13_postgres"),  # asked for by number
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes and 1 s windows: checks that every case runs")
    parser.add_argument("--workers", type=int, help="synthetic workers (default 220,000)")
    parser.add_argument("--guilds", type=int, help="guilds (default 2,000)")
    parser.add_argument("--ledger-rows", type=int, help="ledger rows (default 5,000,000)")
    parser.add_argument("--seed", type=int, help="generator seed")
    parser.add_argument("--latency-ms", type=float,
                        help="fake Bot API latency for cases 2 and 3 (default 50)")
    parser.add_argument("--window", type=float,
                        help="case 3's measured window in seconds (default 60)")
    parser.add_argument("--cases", default="1,2,3,4,5,6,7,8,9,10,11,12",
                        help="which cases, e.g. 1,3")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/<time>.json)")
    parser.add_argument("--profile", action="store_true",
                        help="add untimed cProfile runs of the bot's side to the JSON")
    parser.add_argument("--no-cache", action="store_true",
                        help="rebuild the synthetic database even if a cached one exists")
    parser.add_argument("--workdir", type=Path,
                        help="where the per-case database copies go (default: a temp dir)")
    return parser.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    sizes = SMOKE if args.smoke else FULL
    changes: dict[str, Any] = {}
    for arg, name in (("workers", "workers"), ("guilds", "guilds"),
                      ("ledger_rows", "ledger_rows"), ("seed", "seed"),
                      ("latency_ms", "latency_ms"), ("window", "c3_window_seconds")):
        value = getattr(args, arg)
        if value is not None:
            changes[name] = value
    sizes = replace(sizes, **changes)
    if sizes.c3_crash_recipients > sizes.workers:
        sizes = replace(sizes, c3_crash_recipients=sizes.workers)
    return sizes


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = sizes_from(args)
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; choose from {sorted(CASES)}")
    started = time.perf_counter()
    platform = await build_platform(workers=sizes.workers, guilds=sizes.guilds,
                                    ledger_rows=sizes.ledger_rows, seed=sizes.seed,
                                    cache=not args.no_cache)
    result: dict[str, Any] = {
        "meta": {"date": now_iso(), "machine": machine(), "versions": versions(),
                 "smoke": args.smoke, "sizes": _plain(sizes), "platform": platform.describe(),
                 "argv": sys.argv[1:]},
        "cases": {},
    }
    errors = ErrorCounter()
    logging.getLogger().addHandler(errors)
    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="guildwork-bench-")) if own_tmp else args.workdir
    rows: list[dict[str, str]] = []
    try:
        for key in wanted:
            title, module_name = CASES[key]
            module = importlib.import_module(module_name)
            print(f"[bench] case {key}: {title} …", flush=True)
            case_started = time.perf_counter()
            errors.count, errors.first = 0, None
            try:
                case = await module.run(platform, sizes, workdir, profile=args.profile)
            except Exception as exc:
                traceback.print_exc()
                case = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            case["seconds"] = round(time.perf_counter() - case_started, 1)
            case["logged_errors"] = errors.count
            if errors.first:
                case["first_logged_error"] = errors.first
            result["cases"][key] = case
            if case["status"] == "error":
                rows.append({"case": key, "what": title, "measured": "ERROR",
                             "goal": case["error"][:80]})
            else:
                rows.extend(module.rows(case))
            print(f"[bench] case {key} done in {case['seconds']} s", flush=True)
    finally:
        logging.getLogger().removeHandler(errors)
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    result["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    result["table"] = rows
    return result


def _plain(sizes: Sizes) -> dict[str, Any]:
    return {name: getattr(sizes, name) for name in sizes.__dataclass_fields__}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    result = asyncio.run(run(args))
    out = args.out or ROOT / "results" / (
        datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ") + ("-smoke" if args.smoke else "")
        + ".json")
    write_json(out, result)
    print()
    print(table(result["table"]))
    print(f"\n{len(result['cases'])} case(s) in {result['meta']['total_seconds']} s; "
          f"JSON: {out}")
    failed = [k for k, c in result["cases"].items() if c["status"] == "error"]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
