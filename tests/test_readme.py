"""The README stays true: every command in its reference, every setting in its table and in
.env.example."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def _section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def _settings() -> set[str]:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'get\("([A-Z][A-Z_]+)"\)', source)) | set(
        re.findall(r'\("([A-Z][A-Z_]+)", "[a-z_]+"\)', source))


def test_every_command_is_in_both_readmes_command_references() -> None:
    for readme, title in (("README.md", "Commands"), ("README.zh-CN.md", "命令")):
        reference = _section((ROOT / readme).read_text(encoding="utf-8"), title)
        missing = sorted({c.name for c in COMMANDS}
                         - set(re.findall(r"`/([a-z_]+)", reference)))
        assert not missing, f"{readme} lacks {missing}"


def test_every_setting_is_in_the_configuration_table_and_env_example() -> None:
    settings = _settings()
    assert {"BOT_TOKEN", "ADMIN_IDS", "DIGEST_MINUTES", "HOOK_URL", "RESULTS_DIR"} <= settings
    table = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Configuration")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert not sorted(s for s in settings if f"`{s}`" not in table)
    assert not sorted(s for s in settings if not re.search(rf"^#? ?{s}=", example, re.M))
