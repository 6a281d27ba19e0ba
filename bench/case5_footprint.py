"""Case 5 — footprint: memory after start and after every worker has written, and start-up time.

- start: the real entry point (`python -m bot`) on a fresh copy of the full synthetic database,
  against the fake Bot API over HTTP on loopback: seconds from launching the process to its
  first `getUpdates`, and its RSS at that moment (and a second later). The floor is
  `python -m bench.bare_bot`, a stock PTB Application polling the same fake.
- users: in a fresh process each, the real Application (built and started as `python -m bot`
  does) and the bare one are fed the same `/start` from every distinct worker (220,000), through
  a request layer that answers without keeping anything (so only the bot's own memory counts);
  RSS after start and after all users. PTB itself keeps every user and chat id it has seen in
  `user_data` / `chat_data`; the counts are reported. The two processes run side by side (only
  memory is measured here, not speed).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.case3_push import _bot_env
from bench.child import run_child
from bench.generator import Platform
from bench.report import fmt, ratio_text, rss_kib
from bench.sizes import Sizes
from tgfake.api import BOT_TOKEN, FakeBotAPI
from tgfake.server import serve


class _PollWatch(FakeBotAPI):
    """Notes when the first getUpdates arrives (the server records a call only after its long
    poll has ended, up to 2 s later)."""

    first_poll: float | None = None

    def wait_for_updates(self, offset: int, timeout: float) -> bool:
        if self.first_poll is None:
            self.first_poll = time.perf_counter()
        return super().wait_for_updates(offset, timeout)

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "getUpdates" and self.first_poll is None:
            self.first_poll = time.perf_counter()
        return super().handle(method, params)


def _time_to_polling(module: str, env: dict[str, str], api: _PollWatch, cwd: Path
                     ) -> dict[str, Any]:
    def polled() -> bool:
        return api.first_poll is not None

    log_path = cwd / f"{module}.log"
    with log_path.open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", module], cwd=cwd, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            while not polled():
                if process.poll() is not None:
                    raise RuntimeError(f"{module} exited with {process.returncode}: "
                                       f"{log_path.read_text()[-2000:]}")
                if time.perf_counter() - started > 120:
                    raise TimeoutError(f"{module} did not poll within 120 s")
                time.sleep(0.005)
            assert api.first_poll is not None
            seconds = api.first_poll - started
            at_poll = rss_kib(process.pid)
            time.sleep(1.0)
            settled = rss_kib(process.pid)
            process.send_signal(signal.SIGINT)
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    return {"seconds_to_polling": seconds, "rss_at_polling_kib": at_poll["VmRSS"],
            "rss_1s_later_kib": settled["VmRSS"], "exit_code": process.returncode}


async def run(platform: Platform, sizes: Sizes, workdir: Path, *, profile: bool = False
              ) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "ok"}
    folder = workdir / "case5"
    folder.mkdir(parents=True, exist_ok=True)
    # --- start-up, the real processes --------------------------------------------------------
    for name, module in (("bot_start", "bot"), ("bare_start", "bench.bare_bot")):
        db_path = platform.fresh_copy(folder)
        api = _PollWatch()
        with serve(api) as base_url:
            env = _bot_env(base_url, db_path, 30)
            env["BOT_TOKEN"] = BOT_TOKEN
            result[name] = await asyncio.to_thread(_time_to_polling, module, env, api, folder)
        db_path.unlink(missing_ok=True)
    # --- every worker writes once ------------------------------------------------------------
    users = sizes.c5_users or platform.workers
    manifest = str(platform.path.with_suffix(".json"))
    bot_db = platform.fresh_copy(folder / "bot")
    with ThreadPoolExecutor(2) as pool:
        bot_run = pool.submit(run_child, "footprint", "--db", str(bot_db), "--side", "bot",
                              "--users", str(users), "--manifest", manifest)
        bare_run = pool.submit(run_child, "footprint", "--db", str(bot_db), "--side", "bare",
                               "--users", str(users), "--manifest", manifest)
        result["bot_users"] = await asyncio.wrap_future(bot_run)
        result["bare_users"] = await asyncio.wrap_future(bare_run)
    bot_db.unlink(missing_ok=True)
    b, f = result["bot_users"], result["bare_users"]
    result["ratios"] = {
        "start_time": result["bot_start"]["seconds_to_polling"]
        / result["bare_start"]["seconds_to_polling"],
        "rss_after_start": result["bot_start"]["rss_at_polling_kib"]
        / result["bare_start"]["rss_at_polling_kib"],
        "rss_after_users": b["rss_after_users_kib"] / f["rss_after_users_kib"],
        "growth_per_user_bytes_bot": (b["rss_after_users_kib"] - b["rss_after_start_kib"])
        * 1024 / users,
        "growth_per_user_bytes_bare": (f["rss_after_users_kib"] - f["rss_after_start_kib"])
        * 1024 / users,
    }
    return result


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    bs, fs = result["bot_start"], result["bare_start"]
    b, f, r = result["bot_users"], result["bare_users"], result["ratios"]
    mib = 1 / 1024
    return [
        {"case": "5", "what": "start to first getUpdates (python -m bot)",
         "measured": fmt(bs["seconds_to_polling"], "s", 2),
         "baseline": fmt(fs["seconds_to_polling"], "s", 2) + " bare PTB",
         "ratio": ratio_text(r["start_time"])},
        {"case": "5", "what": "RSS after start (full database)",
         "measured": fmt(bs["rss_at_polling_kib"] * mib, "MiB", 1),
         "baseline": fmt(fs["rss_at_polling_kib"] * mib, "MiB", 1),
         "ratio": ratio_text(r["rss_after_start"])},
        {"case": "5", "what": f"RSS after {b['users']:,} users wrote",
         "measured": fmt(b["rss_after_users_kib"] * mib, "MiB", 1),
         "baseline": fmt(f["rss_after_users_kib"] * mib, "MiB", 1),
         "ratio": ratio_text(r["rss_after_users"]),
         "goal": f"+{r['growth_per_user_bytes_bot']:.0f} B/user vs "
                 f"+{r['growth_per_user_bytes_bare']:.0f} B/user bare"},
    ]
