"""Case 9 — charts in summaries: the cost of one chart, and summaries with charts at the cap.

- drawing: `bot.charts.render_png` on `c9_charts` different eight-week series (one panel, as a
  worker's summary has) and as many two-panel ones (the admin digest), in this process's main
  thread: milliseconds per image, mean and p95, and the PNG's size. The dates are the same for
  all of them, as in one run of summaries (a time zone's workers share their eight weeks), so
  the figure is reused; "new dates" is the mean of 10 draws with dates not drawn before (each
  builds its figure: the first chart of each group in each drawing thread).
- push: case 3's fan-out (the real outbox, dispatcher, rate limiter and fake Bot API at 50 ms a
  call), but every summary queued as the summary job queues it with a chart: a `sendPhoto` row
  holding the chart's data, drawn by the dispatcher just before its send (in its drawing threads)
  and uploaded as a file. Sends per second over case 3's window at the configured cap (30/s) and
  at 1,000/s (where the drawing, not the cap, sets the pace on this machine), and the process's
  CPU time over the window in cores. `c9_recipients` summaries are queued (20,000 at full size:
  a 60 s window at 30/s sends 1,800 of them); the time for 220,000 is extrapolated from the
  sustained rate measured in the window, not run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.case3_push import rate_run, summary_chart
from bench.generator import Platform
from bench.report import fmt, percentile
from bench.sizes import Sizes
from bot.charts import chart, render_png

FULL_FANOUT = 220_000  # the platform's workers, for the extrapolation


def _digest_chart(index: int) -> dict[str, Any] | None:
    days = [f"11-{day:02d}" for day in range(22, 30)]
    return chart(days, ([(index * (k + 1)) % 300 for k in range(8)], 1),
                 ([(index * (k + 5) * 41) % 90_000 for k in range(8)], 100))


def _new_dates(data: dict[str, Any], index: int) -> dict[str, Any]:
    return {**data, "labels": [f"{index % 12 + 1:02d}-{k + 1:02d}" for k in range(8)]}


def drawing(count: int) -> dict[str, Any]:
    """Per kind: draws with the same dates (as in one run of summaries: the figure and its
    frame are reused), and a few with dates the thread has not drawn yet (a new figure)."""
    result: dict[str, Any] = {}
    for label, make in (("worker", summary_chart), ("digest", _digest_chart)):
        charts = [c for c in (make(i + 1) for i in range(count + 10)) if c is not None]
        cold = []
        for index, data in enumerate(charts[:10]):  # new dates each: a new figure each
            started = time.perf_counter()
            render_png(_new_dates(data, index))
            cold.append((time.perf_counter() - started) * 1000)
        render_png(charts[0])
        times, sizes = [], []
        for data in charts[10:]:
            started = time.perf_counter()
            png = render_png(data)
            times.append((time.perf_counter() - started) * 1000)
            sizes.append(len(png))
        result[label] = {"images": len(times), "mean_ms": sum(times) / len(times),
                         "p95_ms": percentile(times, 95), "max_ms": max(times),
                         "png_bytes_mean": sum(sizes) / len(sizes),
                         "new_dates_mean_ms": sum(cold) / len(cold)}
    return result


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "ok", "drawing": drawing(sizes.c9_charts),
                              "latency_ms": sizes.latency_ms, "rates": []}
    count = min(sizes.c9_recipients, platform.workers)
    for cap in sizes.c3_caps:
        run = await rate_run(platform, sizes, workdir, cap, interactive=False,
                             label=f"charts{int(cap)}", charts=True, count=count)
        run["hours_for_220k"] = FULL_FANOUT / run["bulk_per_s"] / 3600 if run[
            "bulk_per_s"] else None
        result["rates"].append(run)
    return result


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for label, what in (("worker", "chart, one panel (worker)"),
                        ("digest", "chart, two panels (digest)")):
        d = result["drawing"][label]
        out.append({"case": "9", "what": f"{what}, {d['images']} images",
                    "measured": fmt(d["mean_ms"], "ms mean", 1),
                    "baseline": fmt(d["p95_ms"], "ms p95", 1),
                    "ratio": fmt(d["new_dates_mean_ms"], "ms new dates", 0),
                    "goal": fmt(d["png_bytes_mean"] / 1024, "KiB PNG", 1)})
    for r in result["rates"]:
        out.append({
            "case": "9", "what": f"photo summaries at {r['cap_per_s']:,.0f}/s cap, "
                                 f"{r['window_s']:.0f} s",
            "measured": f"{r['bulk_per_s']:,.1f}/s, {r['cpu_cores']:.2f} cores",
            "baseline": f"cap {r['cap_per_s']:,.0f}/s",
            "ratio": f"{r['share_of_cap'] * 100:.1f}% of cap",
            "goal": f"220k in {fmt(r['hours_for_220k'], 'h', 2)} (extrapolated); "
                    f"lost {r['lost']}, dup {r['duplicated']}"})
    return out
