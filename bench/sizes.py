"""How big each case runs: the full platform (`make bench`) or a tiny one (`--smoke`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Sizes:
    workers: int = 220_000
    guilds: int = 2_000
    ledger_rows: int = 5_000_000
    seed: int = 20261201
    latency_ms: float = 50.0
    # case 1: updates per measured round, rounds (each side), warm-up updates per side
    c1_updates: int = 1_000
    c1_rounds: int = 3
    c1_warmup: int = 200
    c1_drain_seconds: float = 3.0  # at most, for the outbox between rounds (see case 1)
    # case 2: updates in the burst, seconds the sequential baseline runs
    c2_updates: int = 10_000
    c2_sequential_seconds: float = 10.0
    # case 3: the measured window per cap, the caps, interactive commands/s and how long the
    # idle and stock-limiter runs last, the size of the kill-and-restart fan-out
    c3_window_seconds: float = 60.0
    c3_warmup_seconds: float = 2.0
    c3_caps: tuple[float, ...] = (30.0, 1000.0)
    c3_interactive_per_second: float = 4.0
    c3_contrast_seconds: float = 20.0
    c3_crash_recipients: int = 20_000
    c3_crash_cap: float = 1000.0
    # case 5: distinct users who each send one command
    c5_users: int | None = None  # None: every synthetic worker
    # case 6: workers tapping at once, rounds (one tap each), CSV items imported
    c6_workers: int = 2_000
    c6_rounds: int = 5
    c6_import_items: int = 100_000
    # case 7: ordinary items of the task aggregated, answers per item, items per assignment,
    # timed runs per side; workers tapping at once and rounds with and without controls
    c7_items: int = 100_000
    c7_overlap: int = 3
    c7_per_assignment: int = 300
    c7_runs: int = 5
    c7_workers: int = 2_000
    c7_rounds: int = 5
    # case 10: photo results exported, and their size
    c10_files: int = 5_000
    c10_file_kb: int = 300
    # case 9: charts drawn per kind (worker, digest), summaries with charts queued per cap
    c9_charts: int = 400
    c9_recipients: int = 20_000
    # case 8: timed runs per side of the payroll against a bare GROUP BY
    c8_runs: int = 5
    # case 12: hook events delivered over that many tasks, and events of a single task
    c12_events: int = 5_000
    c12_keys: int = 1_000
    c12_one_key_events: int = 100
    notes: list[str] = field(default_factory=list)


FULL = Sizes()

SMOKE = Sizes(
    workers=2_000,
    guilds=20,
    ledger_rows=50_000,
    c1_updates=100,
    c1_rounds=1,
    c1_warmup=20,
    c1_drain_seconds=0.5,
    c2_updates=600,
    c2_sequential_seconds=1.0,
    c3_window_seconds=1.0,
    c3_warmup_seconds=0.5,
    c3_interactive_per_second=10.0,
    c3_contrast_seconds=1.0,
    c3_crash_recipients=300,
    c6_workers=50,
    c6_rounds=2,
    c6_import_items=2_000,
    c7_items=2_000,
    c7_runs=2,
    c7_workers=50,
    c7_rounds=2,
    c10_files=40,
    c10_file_kb=30,
    c9_charts=30,
    c9_recipients=300,
    c8_runs=2,
    c12_events=300,
    c12_keys=50,
    c12_one_key_events=10,
)
