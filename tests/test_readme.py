"""The README is a front door that stays true: its headline table is the published records' own,
its two commands are the ones documented, its links lead somewhere, and it stays short."""

from __future__ import annotations

import re
from pathlib import Path

from hofstadter.profiles import get_profile
from hofstadter.reports.default_cells import select
from hofstadter.reports.leaderboard import latest_records
from hofstadter.reports.tables import headline, markdown, statuses, tidy
from hofstadter.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_rows(text: str, header_start: str) -> list[str]:
    """The rows of the first Markdown table in ``text`` whose header starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line.strip())
    return rows


def test_the_headline_table_is_the_one_the_published_records_give():
    records = ResultStore(ROOT / "results" / "published" / "runs.jsonl").records()
    selection = select(latest_records(records, "quick"), get_profile("quick"))
    computed = markdown(headline(tidy(selection.default), statuses(selection.default)), index="challenge")
    expected = table_rows(computed, "| challenge |")
    assert len(expected) == 2 + 13  # header, rule, one row per built-in challenge
    assert table_rows(README, "| challenge | rnn |") == expected


def test_the_two_commands_are_there_as_documented():
    assert "pip install torch==2.13.0 -e . && python -m challenges run --all\n" in README
    assert "pip install torch==2.13.0 -e '.[test,ray]' && python -m pytest\n" in README


def test_the_readme_is_a_front_door():
    assert len(README.splitlines()) <= 250
    assert "## New in this round" in README  # where the lead adds lines from other work


def test_every_relative_link_leads_to_a_file():
    targets = {t.split("#")[0] for t in re.findall(r"\]\(([^)]+)\)", README) if "://" not in t}
    missing = sorted(t for t in targets if t and not (ROOT / t).exists())
    assert missing == []


def test_learned_md_counts_of_proven_cells_are_the_published_records():
    """docs/learned.md's at-a-glance column "regular cells proven exact", model by model."""
    learned = (ROOT / "docs" / "learned.md").read_text(encoding="utf-8")
    quoted = {}
    for row in table_rows(learned, "| model | regular cells proven exact |")[2:]:
        models, proven = row.split("|")[1:3]
        count = re.match(r"\s*\**(\d+)", proven)
        for model in re.findall(r"`([a-z-]+)`", models):
            quoted[model] = int(count.group(1)) if count else 0
    regular = {"even-base3", "div3-base10", "div9-base10", "div7-base10", "div29-base10"}
    records = latest_records(ResultStore(ROOT / "results" / "published" / "runs.jsonl").records(), "quick")
    records = select(records, get_profile("quick")).default  # the board's cells (older ones set aside)
    for model, count in quoted.items():
        proven = [r for r in records if r["model"] == model and r["challenge"] in regular
                  and r.get("seed", 0) >= 100 and r.get("equivalent") is True]  # fmt: skip
        assert len(proven) == count, model
    assert quoted["linear-rnn"] == 15 and quoted["sr-so-gru"] == 12  # the table was read
