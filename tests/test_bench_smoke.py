"""The benchmark harness runs end to end at tiny sizes and reports every case.

Figures are not asserted (speed is measured in bench/, never in tests); what is checked is that
each case ran, produced numbers and ratios, kept per-chat order, and lost and duplicated nothing
except what the kill-and-restart case can only repeat: the sends in flight at the kill.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main


def test_the_smoke_benchmark_runs_every_case_and_reports_sane_figures(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    code = main(["--smoke", "--workers", "600", "--guilds", "20", "--ledger-rows", "6000",
                 "--workdir", str(tmp_path / "work"), "--out", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    meta = result["meta"]
    assert meta["machine"]["nproc"] >= 1 and meta["versions"]["python"]
    assert meta["platform"]["counts"]["ledger"] == 6000
    cases = result["cases"]
    assert sorted(cases, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
                                      "11", "12"]
    assert all(case["status"] == "ok" for case in cases.values()), cases

    measured = [c for c in cases["1"]["commands"] if c["status"] == "ok"]
    assert len(measured) >= 5
    for command in measured:
        assert command["bot_updates_per_s"] > 0 and command["bare_updates_per_s"] > 0
        assert command["cost_ratio"] > 0
        assert command["bot_good_replies"] == command["bot_updates"], command["command"]

    latency = cases["2"]
    assert latency["throughput_ratio"] > 0
    assert latency["concurrent"]["order"]["order_held"]
    assert latency["concurrent"]["updates_done"] == latency["updates"]

    push = cases["3"]
    for run in push["rates"]:
        assert run["delivered"] > 0 and run["share_of_cap"] >= 0
        assert run["lost"] == 0 and run["duplicated"] == 0
    replies = push["replies"]
    assert replies["ratio_priority"] > 0 and replies["ratio_stock"] > 0
    crash = push["crash"]
    assert crash["lost"] == 0
    # At-least-once: only a send that was in flight (sent, not yet marked) when the process
    # was killed can arrive twice.
    assert crash["duplicated"] <= crash["sent_but_not_marked_at_kill"]
    assert crash["outbox_at_end"].get("pending", 0) == 0

    summaries = cases["4"]
    assert summaries["service"]["workers"] > 0 and summaries["time_ratio"] > 0
    assert summaries["bare"]["rows_read"] > 0

    footprint = cases["5"]
    assert footprint["bot_users"]["users"] == 600
    assert all(value > 0 for value in footprint["ratios"].values() if value is not None)

    items = cases["6"]
    taps = items["taps"]
    assert taps["good_replies"] == taps["taps"] > 0  # every tap showed the next item
    assert taps["answers_stored"] == taps["answers_expected"]
    assert items["import"]["items"] == items["import"]["csv_rows"] > 0

    quality = cases["7"]
    aggregation = quality["aggregation"]
    assert aggregation["items"] > 0 and aggregation["complete"] == aggregation["items"]
    assert aggregation["answers_counted_bare"] == aggregation["answers"] == 3 * aggregation[
        "items"]  # both sides read the same answers
    assert aggregation["service_seconds"] > 0 and aggregation["bare_seconds"] > 0
    assert aggregation["time_ratio"] > 0 and aggregation["memory_ratio"] > 0
    assert aggregation["csv_bytes"] > 0
    checked = quality["taps"]
    assert checked["checked_updates_per_s"] > 0 and checked["plain_updates_per_s"] > 0
    assert checked["cost_ratio"] > 0
    assert checked["good_replies"] == {"checked": checked["taps"], "plain": checked["taps"]}
    assert checked["answers_stored"] == {"checked": checked["answers_expected"],
                                         "plain": checked["answers_expected"]}
    assert checked["normalised"] == checked["answers_expected"]  # every answer checked
    assert checked["control_answers"] > 0

    export = cases["10"]
    assert export["files_in_zip"] == export["files"] and export["missing"] == 0
    assert export["bot_mb_per_s"] > 0 and export["bare_mb_per_s"] > 0
    assert export["speed_ratio"] > 0 and export["bot_peak_rss_bytes"] > 0
    charts = cases["9"]
    for kind in ("worker", "digest"):
        assert charts["drawing"][kind]["images"] > 0 and charts["drawing"][kind]["mean_ms"] > 0
    for run in charts["rates"]:  # summaries sent as photos, each once
        assert run["delivered"] > 0 and run["lost"] == 0 and run["duplicated"] == 0
    payroll = cases["8"]
    assert payroll["ledger_rows"] == 6000
    for period in payroll["periods"].values():
        assert 0 < period["workers"] <= period["bare_groups"]
        assert period["payroll_seconds"] > 0 and period["bare_seconds"] > 0
        assert period["time_ratio"] > 0 and period["csv_bytes"] > 0
    broadcast = cases["11"]
    rate = broadcast["rate"]
    assert rate["delivered"] > 0 and rate["share_of_cap"] > 0 and rate["duplicated"] == 0
    assert rate["recipients"] == 600 + 3 and rate["fan_out_seconds"] > 0
    assert broadcast["replies"]["ratio"] > 0
    complete = broadcast["complete"]  # one guild's members, to the final progress message
    assert complete["status"] == "done" and complete["lost"] == complete["duplicated"] == 0
    assert complete["sent"] == complete["recipients"] > 0 and complete["failed"] == 0
    assert f"Sent {complete['sent']} · failed 0 · of" in complete["final_message"]
    hooks = cases["12"]
    for run in (hooks["many_keys"], hooks["one_key"]):  # every event once, signed, in order
        assert run["delivered"] == run["events"] and run["lost"] == run["repeated"] == 0
        assert run["signed"] == run["events"] and run["order_held"]
        assert run["delivered_per_s"] > 0 and run["bare_per_s"] > 0
    assert result["table"]


@pytest.mark.postgres
def test_the_postgres_case_compares_both_engines_on_the_same_commands(tmp_path: Path) -> None:
    """Case 13 (asked for by number; make test-pg gives it its server)."""
    out = tmp_path / "pg.json"
    code = main(["--smoke", "--cases", "13", "--workers", "600", "--guilds", "20",
                 "--ledger-rows", "6000", "--workdir", str(tmp_path / "work"), "--out", str(out)])
    assert code == 0
    case = json.loads(out.read_text())["cases"]["13"]
    assert case["status"] == "ok", case
    assert len(case["commands"]) >= 5
    for command in case["commands"]:
        assert command["postgres_updates_per_s"] > 0 and command["sqlite_updates_per_s"] > 0
        good, sent = command["good_replies"].split("/")
        assert good == sent, command
