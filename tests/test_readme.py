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
