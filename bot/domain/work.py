"""The work loop's rules: which results fit a task, spreading units, splitting a credit."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.money import split_commission

# What a bot can download through Telegram's Bot API, and through a self-hosted server.
CLOUD_FILE_LIMIT = 20 * 1024 * 1024
LOCAL_SERVER_FILE_LIMIT = 2000 * 1024 * 1024
RESULT_KINDS = ("text", "document", "photo", "voice", "audio", "video")
CLOUD_API = "https://api.telegram.org"  # Telegram's own Bot API, with its 20 MB downloads


def download_limit(api_base_url: str) -> int:
    """The largest file the bot can download through this Bot API server."""
    return CLOUD_FILE_LIMIT if api_base_url.startswith(CLOUD_API) else LOCAL_SERVER_FILE_LIMIT


# What a bot can upload: 50 MB to Telegram's Bot API, 2000 MB through a self-hosted server.
CLOUD_UPLOAD_LIMIT = 50 * 1024 * 1024
LOCAL_UPLOAD_LIMIT = 2000 * 1024 * 1024


def upload_limit(api_base_url: str) -> int:
    """The largest file the bot can send through this Bot API server."""
    return CLOUD_UPLOAD_LIMIT if api_base_url.startswith(CLOUD_API) else LOCAL_UPLOAD_LIMIT




# A file sent "as a file" arrives as a document; its type still counts (an uncompressed photo
# for a photo task, an .mp3 for an audio task).
_DOCUMENT_MIME = {"photo": "image/", "audio": "audio/", "voice": "audio/", "video": "video/"}


def result_kind_allowed(expected: str, kind: str, mime_type: str | None = None) -> bool:
    if expected in ("any", kind):
        return True
    if expected == "audio" and kind == "voice":  # a voice message is audio too
        return True
    prefix = _DOCUMENT_MIME.get(expected)
    return kind == "document" and prefix is not None and (mime_type or "").startswith(prefix)


def spread(units: int, members: list[int]) -> list[tuple[int, int]]:
    """Units spread evenly over members in the given order (fewest open units first)."""
    if not members or units <= 0:
        return []
    base, extra = divmod(units, len(members))
    plan = [(member, base + (1 if i < extra else 0)) for i, member in enumerate(members)]
    return [(member, n) for member, n in plan if n > 0]


def spread_within(units: int, caps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spread`, none above its cap (member, most they may take): what one may not take goes
    to the others; what nobody may take is left over."""
    cap = dict(caps)
    plan = dict.fromkeys(cap, 0)
    active = [member for member, most in caps if most > 0]
    while units > 0 and active:
        for member, n in spread(units, active):
            take = min(n, cap[member] - plan[member])
            plan[member] += take
            units -= take
        active = [member for member in active if plan[member] < cap[member]]
    return [(member, n) for member, n in plan.items() if n > 0]


@dataclass(frozen=True, slots=True)
class Credit:
    gross_minor: int
    worker_minor: int
    commission_minor: int


def credit_for(units: int, unit_price_minor: int, commission_bp: int) -> Credit:
    gross = units * unit_price_minor
    worker, commission = split_commission(gross, commission_bp)
    return Credit(gross, worker, commission)
