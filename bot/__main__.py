"""`python -m bot`: run the bot (see bot.run). `python -m bot backup <file>`: a checked copy of
the SQLite database (see bot.backup)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    # Each command imports only what it needs: a backup starts in a tenth of the bot's time.
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["backup"]:
        from bot import backup

        return backup.main(args[1:])
    if args:
        print(f"guildwork: unknown arguments {' '.join(args)!r}: run `python -m bot` to start "
              f"the bot, or `python -m bot backup <file>`.", file=sys.stderr)
        return 2
    from bot import run

    return run.main()


if __name__ == "__main__":
    sys.exit(main())
