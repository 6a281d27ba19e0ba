"""A synthetic platform written straight into a fresh SQLite file, through the real migrations.

    platform = await build_platform(workers=220_000, guilds=2_000, ledger_rows=5_000_000)
    path = platform.fresh_copy(folder)   # every case works on its own copy

Deterministic for a seed. The schema comes from `storage.db.Database.open()` (so the migrations
run exactly as in production); rows are then bulk-inserted with `executemany` in big
transactions. Secondary indexes are dropped before the inserts and re-created from their own SQL
afterwards (building an index once is much faster than keeping it up to date row by row); the
resulting schema is byte-for-byte the migrated one. No `ANALYZE` is run: the bot never runs it,
so the query planner sees what it would see in production.

What is generated (`W` workers, `G` guilds, `L` ledger rows, 26 weeks of history):

- users: `W` workers (ids from 10,000,000) who have all started the bot, and one admin;
- guilds: `G` approved guilds of about `W / G` workers each (the first is the leader, the second
  a deputy), 80 % with a commission between 5 and 15 %;
- tasks: `W / 100` completed tasks, each guild holding 10 allocations of them; plus 4 open fixed
  tasks and 4 open quote tasks with units to spare, for the commands the cases send;
- assignments: enough accepted ones (1-5 units at the allocation's price) that, with payouts,
  the ledger has exactly `L` rows: one worker share per assignment, one commission for the leader
  when the guild takes one, and payouts (about 10 % of the rows); ledger time runs forward;
- work in progress: 4 allocated "current" tasks (document, photo, voice, text results) held by
  every guild; a tenth of the workers (distinct) hold one open assignment of them: 10 % offered,
  45 % accepted (no result yet), 45 % submitted with all their results. Historic results are
  not generated: no case reads them;
- users: 3 admins (the first from the configuration, two granted at run time).

The file is cached under bench/results/cache/ keyed by every parameter, the generator version and
the migrations' text, so a second run skips the build; cases get a fresh copy each.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from storage import Database
from storage.migrate import bundled_migrations

GENERATOR_VERSION = 4
ROOT = Path(__file__).resolve().parent
CACHE_DIR = ROOT / "results" / "cache"

# The platform's clock: the bench runs the bot with a ManualClock set here, so that deadlines,
# weeks and summaries line up with the generated history.
NOW = 1_796_115_600  # 2026-12-01 09:00 UTC (the tests' ManualClock default)
DAY = 86_400
HISTORY_DAYS = 182
ADMIN_ID = 900_001
ADMIN_IDS = (ADMIN_ID, 900_002, 900_003)
WORKER_BASE = 10_000_000
GUILD_CHAT_BASE = -1_000_900_000_000
OPEN_FIXED_TASKS = 4
OPEN_QUOTE_TASKS = 4
ALLOCATIONS_PER_GUILD = 10
CURRENT_KINDS = ("document", "photo", "voice", "text")
_MIME = {"document": "application/pdf", "photo": "image/jpeg", "voice": "audio/ogg"}
CHUNK = 50_000

_FIRST_NAMES = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Mei", "Ana",
                "Rahim", "Nadia", "Tariq", "Sara", "Arjun", "Dewi", "Budi", "Siti")
_LANGUAGES = ("zh-hans", "zh-hans", "zh-hans", "en", "en", "ur", "bn", "id")


@dataclass(frozen=True, slots=True)
class GuildInfo:
    guild_id: int
    chat_id: int
    title: str
    leader_id: int
    deputy_id: int
    first_worker: int  # index of its first worker; workers first_worker … first_worker+size-1
    size: int


@dataclass(slots=True)
class Platform:
    path: Path
    workers: int
    guilds: int
    ledger_rows: int
    seed: int
    now: int
    admin_id: int
    guild_list: list[GuildInfo]
    open_fixed_tasks: list[int]
    open_quote_tasks: list[int]
    counts: dict[str, int]
    # work in progress: [worker index, assignment id, result kind] accepted and waiting for
    # results; assignment ids submitted and waiting for review
    open_in_progress: list[list[object]] = field(default_factory=list)
    open_submitted: list[int] = field(default_factory=list)
    build_seconds: float = 0.0
    cached: bool = False
    db_bytes: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @staticmethod
    def worker_id(index: int) -> int:
        return WORKER_BASE + index

    def worker_language(self, index: int) -> str:
        return _LANGUAGES[index % len(_LANGUAGES)]

    def worker_name(self, index: int) -> str:
        return f"{_FIRST_NAMES[index % len(_FIRST_NAMES)]} {index}"

    def fresh_copy(self, folder: Path, name: str = "guildwork.db") -> Path:
        """A private copy of the platform for one case: no case sees another's writes."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.path, target)
        return target

    def describe(self) -> dict[str, object]:
        return {"workers": self.workers, "guilds": self.guilds, "ledger_rows": self.ledger_rows,
                "seed": self.seed, "now": self.now, "counts": self.counts,
                "build_seconds": round(self.build_seconds, 2), "cached": self.cached,
                "db_bytes": self.db_bytes, "path": str(self.path)}


def cache_key(workers: int, guilds: int, ledger_rows: int, seed: int) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([GENERATOR_VERSION, workers, guilds, ledger_rows, seed]).encode())
    for migration in bundled_migrations():
        digest.update(migration.sql.encode())
    return digest.hexdigest()[:16]


async def build_platform(*, workers: int, guilds: int, ledger_rows: int, seed: int,
                         cache: bool = True, log: bool = True) -> Platform:
    """The platform for these parameters: from the cache if built before, else built now."""
    if guilds < 1 or workers < 2 * guilds:
        raise ValueError("need at least one guild and two workers per guild")
    key = cache_key(workers, guilds, ledger_rows, seed)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"platform-{key}.db"
    manifest = path.with_suffix(".json")
    if cache and path.exists() and manifest.exists():
        platform = _load_manifest(path, manifest)
        platform.cached = True
        if log:
            print(f"[generator] cached platform {path.name} (built in "
                  f"{platform.build_seconds:.1f} s)", flush=True)
        return platform
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    platform = await _Builder(tmp, workers, guilds, ledger_rows, seed).build()
    platform.build_seconds = time.perf_counter() - started
    tmp.replace(path)
    platform.path = path
    platform.db_bytes = path.stat().st_size
    manifest.write_text(json.dumps(_manifest(platform)))
    if log:
        print(f"[generator] built {workers:,} workers, {guilds:,} guilds, {ledger_rows:,} ledger "
              f"rows in {platform.build_seconds:.1f} s ({platform.db_bytes / 2**20:,.0f} MiB)",
              flush=True)
    return platform


def _manifest(p: Platform) -> dict[str, object]:
    return {"workers": p.workers, "guilds": p.guilds, "ledger_rows": p.ledger_rows,
            "seed": p.seed, "now": p.now, "admin_id": p.admin_id,
            "guild_list": [asdict(g) for g in p.guild_list],
            "open_fixed_tasks": p.open_fixed_tasks, "open_quote_tasks": p.open_quote_tasks,
            "counts": p.counts, "build_seconds": p.build_seconds, "db_bytes": p.db_bytes,
            "open_in_progress": p.open_in_progress, "open_submitted": p.open_submitted}


def _load_manifest(path: Path, manifest: Path) -> Platform:
    data = json.loads(manifest.read_text())
    return Platform(path=path, workers=data["workers"], guilds=data["guilds"],
                    ledger_rows=data["ledger_rows"], seed=data["seed"], now=data["now"],
                    admin_id=data["admin_id"],
                    guild_list=[GuildInfo(**g) for g in data["guild_list"]],
                    open_fixed_tasks=data["open_fixed_tasks"],
                    open_quote_tasks=data["open_quote_tasks"], counts=data["counts"],
                    build_seconds=data["build_seconds"], db_bytes=data["db_bytes"],
                    open_in_progress=data["open_in_progress"],
                    open_submitted=data["open_submitted"])


class _Builder:
    def __init__(self, path: Path, workers: int, guilds: int, ledger_rows: int,
                 seed: int) -> None:
        self.path = path
        self.workers = workers
        self.guilds = guilds
        self.ledger_rows = ledger_rows
        self.rng = random.Random(seed)
        self.seed = seed
        self.counts: dict[str, int] = {}

    async def build(self) -> Platform:
        db = Database(str(self.path))
        await db.open()  # the real migrations, exactly as the bot applies them
        conn = db.writer
        # Bulk load: nothing here needs durability or the foreign-key checks (the generator
        # writes consistent ids); the bot's own connections set both back when they open.
        await conn.executescript("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;")
        indexes = [tuple(r) for r in await conn.execute_fetchall(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('assignments', 'results', 'ledger', 'guild_members', 'users')")]
        for name, _sql in indexes:
            await conn.execute(f"DROP INDEX {name}")
        try:
            platform = await self._fill(conn)
        finally:
            for _name, sql in indexes:
                await conn.execute(sql)
            await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            await db.close()
        return platform

    async def _many(self, conn, sql: str, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("BEGIN")
        await conn.executemany(sql, rows)
        await conn.execute("COMMIT")

    async def _fill(self, conn) -> Platform:  # type: ignore[no-untyped-def]
        rng = self.rng
        W, G = self.workers, self.guilds
        start_at = NOW - HISTORY_DAYS * DAY

        # --- users -----------------------------------------------------------------------
        platform = Platform(path=self.path, workers=W, guilds=G, ledger_rows=self.ledger_rows,
                            seed=self.seed, now=NOW, admin_id=ADMIN_ID, guild_list=[],
                            open_fixed_tasks=[], open_quote_tasks=[], counts=self.counts,
                            build_seconds=0.0)
        user_sql = ("INSERT INTO users (id, first_name, last_name, username, language_code,"
                    " can_message, created_at, updated_at) VALUES (?, ?, NULL, ?, ?, 1, ?, ?)")
        await self._many(conn, user_sql, [(a, f"Admin {a - ADMIN_ID + 1}", f"admin{a}", "en",
                                           start_at, start_at) for a in ADMIN_IDS])
        # The first admin comes from ADMIN_IDS (the configuration); the others were granted.
        await self._many(conn, "INSERT INTO admins (user_id, granted_by, granted_at)"
                         " VALUES (?, ?, ?)", [(a, ADMIN_ID, start_at) for a in ADMIN_IDS[1:]])
        for lo in range(0, W, CHUNK):
            rows = []
            for i in range(lo, min(W, lo + CHUNK)):
                joined = start_at - rng.randrange(0, 200) * DAY
                rows.append((WORKER_BASE + i, platform.worker_name(i), f"w{i}",
                             platform.worker_language(i), joined, joined))
            await self._many(conn, user_sql, rows)
        self.counts["users"] = W + len(ADMIN_IDS)

        # --- guilds and members ----------------------------------------------------------
        base, extra = divmod(W, G)
        guild_rows, member_rows = [], []
        bp_of: list[int] = []
        guild_of_worker = [0] * W
        first = 0
        for g in range(G):
            size = base + (1 if g < extra else 0)
            gid = g + 1
            leader, deputy = WORKER_BASE + first, WORKER_BASE + first + 1
            bp = rng.randrange(500, 1501, 50) if rng.random() < 0.8 else 0
            bp_of.append(bp)
            title = f"Guild {gid:04d}"
            chat_id = GUILD_CHAT_BASE - gid
            created = start_at - rng.randrange(1, 60) * DAY
            guild_rows.append((gid, title, chat_id, leader, bp, f"inv{gid:06d}{self.seed % 997}",
                               created, created + DAY, ADMIN_ID))
            platform.guild_list.append(GuildInfo(gid, chat_id, title, leader, deputy, first, size))
            for k in range(size):
                role = "leader" if k == 0 else "deputy" if k == 1 else "member"
                member_rows.append((gid, WORKER_BASE + first + k, role, created + DAY))
                guild_of_worker[first + k] = g
            first += size
        await self._many(conn, "INSERT INTO guilds (id, name, chat_id, leader_id, status,"
                         " commission_bp, invite_code, created_at, decided_at, decided_by)"
                         " VALUES (?, ?, ?, ?, 'approved', ?, ?, ?, ?, ?)", guild_rows)
        await self._many(conn, "INSERT INTO guild_invites (code, guild_id, created_by,"
                         " created_at) VALUES (?, ?, ?, ?)",
                         [(r[5], r[0], r[3], r[7]) for r in guild_rows])
        for lo in range(0, len(member_rows), CHUNK):
            await self._many(conn, "INSERT INTO guild_members (guild_id, user_id, role, status,"
                             " joined_at) VALUES (?, ?, ?, 'active', ?)",
                             member_rows[lo:lo + CHUNK])
        self.counts["guilds"] = G
        self.counts["guild_members"] = len(member_rows)
        del member_rows

        # --- tasks and allocations (units filled in once the assignments are known) -------
        hist_tasks = max(20, W // 100)
        task_price = [rng.choice((80, 120, 150, 250, 300, 500, 800)) for _ in range(hist_tasks)]
        task_created = [start_at + rng.randrange(0, HISTORY_DAYS - 14) * DAY
                        for _ in range(hist_tasks)]
        kinds = ("text", "voice", "photo", "document", "audio", "video")
        task_rows = []
        for t in range(hist_tasks):
            task_rows.append((t + 1, f"Batch {t + 1}: {kinds[t % 6]} collection",
                              "Instructions for the batch.", "fixed" if t % 3 else "quote",
                              kinds[t % 6], 1, task_price[t], 1, "completed",
                              task_created[t] + 30 * DAY, None, ADMIN_ID, task_created[t]))
        next_id = hist_tasks + 1
        for k in range(OPEN_FIXED_TASKS):
            task_rows.append((next_id, f"Street photos, city {k + 1}",
                              "One photo of a shop front per unit.", "fixed", "photo",
                              10_000_000, 120, 0, "open", NOW + 30 * DAY, None, ADMIN_ID,
                              NOW - DAY))
            platform.open_fixed_tasks.append(next_id)
            next_id += 1
        for k in range(OPEN_QUOTE_TASKS):
            task_rows.append((next_id, f"Cantonese dubbing, batch {k + 1}",
                              "Record each line of the script.", "quote", "voice",
                              10_000_000, 250, 0, "open", NOW + 30 * DAY, NOW + 20 * DAY,
                              ADMIN_ID, NOW - DAY))
            platform.open_quote_tasks.append(next_id)
            next_id += 1
        await self._many(conn, "INSERT INTO tasks (id, title, instructions, mode, result_type,"
                         " units, price_minor, allocated_units, status, deadline_at,"
                         " quote_deadline_at, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", task_rows)
        self.counts["tasks"] = len(task_rows)

        alloc_rows = []
        allocs_of_guild: list[list[int]] = []
        alloc_task: list[int] = []
        alloc_price: list[int] = []
        for g in range(G):
            mine = []
            for t in rng.sample(range(hist_tasks), min(ALLOCATIONS_PER_GUILD, hist_tasks)):
                aid = len(alloc_task) + 1
                price = task_price[t] - rng.randrange(0, task_price[t] // 5 + 1)
                alloc_task.append(t + 1)
                alloc_price.append(price)
                alloc_rows.append((aid, t + 1, g + 1, 1, price, "claim" if t % 3 else "quote",
                                   ADMIN_ID if t % 3 == 0 else platform.guild_list[g].leader_id,
                                   task_created[t] + DAY))
                mine.append(aid - 1)
            allocs_of_guild.append(mine)
        await self._many(conn, "INSERT INTO allocations (id, task_id, guild_id, units,"
                         " unit_price_minor, source, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", alloc_rows)
        self.counts["allocations"] = len(alloc_rows)
        alloc_units = [0] * len(alloc_rows)

        # --- accepted assignments, their ledger entries, payouts: time runs forward -------
        assignment_sql = (
            "INSERT INTO assignments (id, task_id, allocation_id, guild_id, worker_id, units,"
            " unit_price_minor, status, accepted_units, assigned_by, offered_at,"
            " offer_expires_at, due_at, started_at, submitted_at, decided_at, decided_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        ledger_sql = ("INSERT INTO ledger (user_id, guild_id, assignment_id, kind, amount_minor,"
                      " note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        target = self.ledger_rows
        written = 0
        assignment_id = 0
        a_rows: list[tuple] = []
        l_rows: list[tuple] = []
        p_payout = 0.17
        leaders = [g.leader_id for g in platform.guild_list]
        for day in range(HISTORY_DAYS):
            day_target = target * (day + 1) // HISTORY_DAYS
            day_start = start_at + day * DAY
            # At most one row per item; items that write two rows end the day early.
            times = sorted(day_start + rng.randrange(DAY) for _ in range(day_target - written))
            for at in times:
                if written >= day_target:
                    break
                if rng.random() < p_payout or written + 2 > target:
                    w = rng.randrange(W)
                    g = guild_of_worker[w]
                    l_rows.append((WORKER_BASE + w, g + 1, None, "payout",
                                   -rng.randrange(1_000, 9_000), "bank transfer", ADMIN_ID,
                                   at))
                    written += 1
                    continue
                w = rng.randrange(W)
                g = guild_of_worker[w]
                a = rng.choice(allocs_of_guild[g])
                units = rng.randrange(1, 6)
                price = alloc_price[a]
                alloc_units[a] += units
                assignment_id += 1
                a_rows.append((assignment_id, alloc_task[a], a + 1, g + 1, WORKER_BASE + w,
                               units, price, units, leaders[g], at - 3 * DAY, at - 2 * DAY,
                               at + 10 * DAY, at - 3 * DAY + 3600, at - 7200, at, ADMIN_ID))
                gross = units * price
                commission = gross * bp_of[g] // 10_000
                l_rows.append((WORKER_BASE + w, g + 1, assignment_id, "worker_share",
                               gross - commission, None, ADMIN_ID, at))
                written += 1
                if commission:
                    l_rows.append((leaders[g], g + 1, assignment_id, "commission", commission,
                                   None, ADMIN_ID, at))
                    written += 1
            if len(l_rows) >= CHUNK or day == HISTORY_DAYS - 1:
                await self._many(conn, assignment_sql, a_rows)
                await self._many(conn, ledger_sql, l_rows)
                a_rows, l_rows = [], []
        assert written == target, (written, target)
        self.counts["ledger"] = written
        approved = assignment_id

        # --- work in progress: current tasks, open assignments, results ------------------
        # One allocated task per result kind, held by every guild; a tenth of the workers
        # (distinct) hold one open assignment of it: offered, accepted (no result yet) or
        # submitted (all its results in, waiting for review).
        current: list[tuple[int, str]] = []
        current_rows = []
        for kind in CURRENT_KINDS:
            current.append((next_id, kind))
            current_rows.append((next_id, f"Current batch: {kind} results",
                                 "Send one result per unit.", "fixed", kind, 1, 150, 1,
                                 "allocated", NOW + 30 * DAY, None, ADMIN_ID, NOW - 10 * DAY))
            next_id += 1
        await self._many(conn, "INSERT INTO tasks (id, title, instructions, mode, result_type,"
                         " units, price_minor, allocated_units, status, deadline_at,"
                         " quote_deadline_at, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", current_rows)
        self.counts["tasks"] += len(current_rows)
        current_alloc: dict[tuple[int, int], int] = {}
        cur_alloc_rows = []
        for g in range(G):
            for task_id, _kind in current:
                aid = len(alloc_task) + 1
                alloc_task.append(task_id)
                alloc_price.append(150)
                alloc_units.append(0)
                current_alloc[(g, task_id)] = aid - 1
                cur_alloc_rows.append((aid, task_id, g + 1, 1, 150, "claim",
                                       platform.guild_list[g].leader_id, NOW - 9 * DAY))
        await self._many(conn, "INSERT INTO allocations (id, task_id, guild_id, units,"
                         " unit_price_minor, source, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", cur_alloc_rows)
        self.counts["allocations"] += len(cur_alloc_rows)
        open_sql = (
            "INSERT INTO assignments (id, task_id, allocation_id, guild_id, worker_id, units,"
            " unit_price_minor, status, assigned_by, offered_at, offer_expires_at, due_at,"
            " started_at, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        open_rows, result_rows = [], []
        for w in rng.sample(range(W), max(1, W // 10)):
            g = guild_of_worker[w]
            task_id, kind = current[rng.randrange(len(current))]
            a = current_alloc[(g, task_id)]
            units = rng.randrange(1, 4)
            alloc_units[a] += units
            assignment_id += 1
            roll = rng.random()
            status = "offered" if roll < 0.1 else "in_progress" if roll < 0.55 else "submitted"
            # Recent enough that the clock's sweep has nothing to do at NOW: offers not yet
            # expired (12 h), results not yet past the review window (3 days).
            at = NOW - (rng.randrange(60, 6 * 3600) if status == "offered"
                        else rng.randrange(3600, 2 * DAY))
            accepted = at + 600 if status != "offered" else None
            submitted = at + 1800 if status == "submitted" else None
            open_rows.append((assignment_id, task_id, a + 1, g + 1, WORKER_BASE + w, units,
                              150, status, leaders[g], at, at + 12 * 3600, NOW + 30 * DAY,
                              accepted, submitted))
            if status == "in_progress":
                platform.open_in_progress.append([w, assignment_id, kind])
            elif status == "submitted":
                platform.open_submitted.append(assignment_id)
                for r in range(units):
                    unique = None if kind == "text" else f"gen-{assignment_id}-{r}"
                    result_rows.append((
                        assignment_id, 0, kind, unique and f"file-{unique}", unique,
                        f"r{r}.pdf" if kind == "document" else None,
                        _MIME.get(kind), 40_000 if unique else None,
                        f"result {r + 1}" if kind == "text" else None, submitted))
        await self._many(conn, open_sql, open_rows)
        await self._many(conn, "INSERT INTO results (assignment_id, round, kind, file_id,"
                         " file_unique_id, file_name, mime_type, file_size, text, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", result_rows)
        self.counts["assignments"] = assignment_id
        self.counts["assignments_accepted"] = approved
        self.counts["assignments_in_progress"] = len(platform.open_in_progress)
        self.counts["assignments_submitted"] = len(platform.open_submitted)
        self.counts["results"] = len(result_rows)

        # --- allocation and task units now that every assignment is known -----------------
        task_units: dict[int, int] = {}
        for a, units in enumerate(alloc_units):
            alloc_units[a] = max(1, units)
            task_units[alloc_task[a]] = task_units.get(alloc_task[a], 0) + alloc_units[a]
        await self._many(conn, "UPDATE allocations SET units = ? WHERE id = ?",
                         [(u, a + 1) for a, u in enumerate(alloc_units)])
        await self._many(conn, "UPDATE tasks SET units = ?, allocated_units = ? WHERE id = ?",
                         [(u, u, t) for t, u in task_units.items()])
        return platform


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build (or find cached) a synthetic platform.")
    parser.add_argument("--workers", type=int, default=220_000)
    parser.add_argument("--guilds", type=int, default=2_000)
    parser.add_argument("--ledger-rows", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    platform = asyncio.run(build_platform(workers=args.workers, guilds=args.guilds,
                                          ledger_rows=args.ledger_rows, seed=args.seed,
                                          cache=not args.no_cache))
    print(json.dumps(platform.describe(), indent=2))


if __name__ == "__main__":
    main()
