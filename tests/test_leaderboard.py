"""The leaderboard, built from a small recorded fixture (20 real smoke-profile runs).

The fixture was recorded with::

    python -m challenges run div3-base10 prime-base2 --model fsa --model fsa-approx \\
        --model soft-automaton --model majority --model rpni --seed 0 --seed 1 --profile smoke \\
        --results DIR
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from challenges.leaderboard import (
    REFERENCE_MARK,
    challenge_table,
    headline,
    latest_records,
    markdown,
    per_seed,
    statuses,
    strings_needed,
    tidy,
    wilson_interval,
    write_leaderboard,
)

FIXTURE = Path(__file__).parent / "fixtures" / "runs.jsonl"


def records() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def test_tidy_has_one_row_per_seed_and_length():
    frame = tidy(latest_records(records(), "smoke"))
    assert set(frame["challenge"]) == {"div3-base10", "prime-base2"}
    fsa = frame[(frame["challenge"] == "div3-base10") & (frame["model"] == "fsa")]
    assert sorted(fsa["seed"].unique()) == [0, 1]
    assert (fsa["accuracy"] == 1.0).all()
    assert 1000 in set(fsa["length"])


def test_challenge_table_reports_mean_std_and_solved():
    chosen = latest_records(records(), "smoke")
    table = challenge_table(tidy(chosen), "div3-base10", statuses(chosen)).set_index("model")
    assert table.loc["fsa", "solved"] == "yes"  # proven equivalent, though 64 of 64 proves nothing
    assert table.loc["fsa", "exact"] == "proven"
    assert table.loc["fsa", "in-distribution"] == "100.0 ± 0.0"
    assert table.loc["majority", "solved"] == "no"
    assert table.loc["majority", "exact"] == "sampled"
    assert {"12 digits", "1000 digits"} <= set(table.columns)
    # Each cell beyond the training range: mean ± std, the pooled Wilson interval, and n.
    assert table.loc["fsa", "1000 digits"] == "100.0 ± 0.0 [97.1, 100.0] n=128"
    assert table.index[0] in ("fsa", "fsa-approx", "soft-automaton", "rpni")  # solved first


def test_solved_needs_proof_or_a_wilson_bound_not_a_perfect_small_sample():
    frame = tidy(latest_records(records(), "smoke"))
    unproven = frame.assign(equivalent=None)
    seeds = per_seed(unproven)
    fsa = seeds[(seeds["challenge"] == "div3-base10") & (seeds["model"] == "fsa")]
    assert (fsa["worst"] == 1.0).all() and not fsa["solved"].any()  # 64 of 64 right: not enough
    bigger = unproven.assign(n=unproven["n"] * 100)  # 6,400 of 6,400: lower bound 99.94%
    seeds = per_seed(bigger)
    assert seeds[(seeds["challenge"] == "div3-base10") & (seeds["model"] == "fsa")]["solved"].all()


def test_wilson_interval_brackets_the_rate_and_tightens_with_n():
    low, high = wilson_interval(90, 100)
    assert low < 0.9 < high
    assert wilson_interval(900, 1000)[0] > low
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)


def test_strings_needed_is_the_smallest_size_solved_in_every_seed():
    frame = tidy(latest_records(records(), "smoke"))
    rpni = frame[(frame["model"] == "rpni") & (frame["challenge"] == "div3-base10")]
    curve = pd.concat([
        rpni.assign(train_size=100, accuracy=0.5, equivalent=False),
        rpni.assign(train_size=1000),
        rpni.assign(train_size=10000),
    ])  # fmt: skip
    assert strings_needed(curve).loc["div3-base10", "rpni"] == "1,000"
    assert strings_needed(curve[curve["train_size"] == 100].pipe(
        lambda f: pd.concat([f, f.assign(train_size=300)]))).loc["div3-base10", "rpni"] == "> 300"


def test_not_applicable_pairs_are_listed():
    chosen = latest_records(records(), "smoke")
    table = challenge_table(tidy(chosen), "prime-base2", statuses(chosen)).set_index("model")
    assert table.loc["fsa", "in-distribution"] == "not-applicable"


def test_headline_marks_solved_cells():
    table = headline(tidy(latest_records(records(), "smoke")))
    fsa = f"fsa{REFERENCE_MARK}"
    assert table.loc["div3-base10", fsa].endswith("*")
    assert table.loc["prime-base2", fsa] == "n/a"
    assert table.loc["div3-base10", "rpni"].endswith("*")  # RPNI's DFA is proven exact
    assert not table.loc["prime-base2", "majority"].endswith("*")


def test_markdown_is_a_github_table():
    text = markdown(pd.DataFrame({"model": ["a", "b"], "accuracy": ["1.0", "0.5"]}))
    assert text.splitlines() == ["| model | accuracy |", "|---|---|", "| a | 1.0 |", "| b | 0.5 |"]


def test_write_leaderboard_produces_tables_and_plots(tmp_path):
    paths = write_leaderboard(records(), tmp_path, profile="smoke")
    board = paths["markdown"].read_text()
    assert "## div3-base10" in board and "![prime-base2](plots/prime-base2.png)" in board
    assert f"Models marked {REFERENCE_MARK} are references" in board  # no template left unfilled
    csv = pd.read_csv(paths["csv"])
    assert {"challenge", "model", "length", "mean", "std", "seeds"} <= set(csv.columns)
    assert (tmp_path / "plots" / "div3-base10.png").stat().st_size > 5000


def test_reruns_count_once_and_other_profiles_are_left_out():
    rerun = [dict(r, date="9999") for r in records()]
    assert len(latest_records(records() + rerun, "smoke")) == len(records())
    assert latest_records(records(), "quick") == []


def test_tables_keep_registry_order_whatever_order_the_runs_finished_in():
    shuffled = list(reversed(latest_records(records(), "smoke")))
    table = headline(tidy(shuffled))
    assert list(table.index) == ["div3-base10", "prime-base2"]
    # Learners first, references built from the rule after them, marked.
    assert list(table.columns) == [
        "soft-automaton", "rpni", "majority", f"fsa{REFERENCE_MARK}", f"fsa-approx{REFERENCE_MARK}"
    ]


def test_records_of_unregistered_challenges_are_kept_and_counted(tmp_path, capsys):
    """Without its plugin, a challenge's records are not placed, not dropped, and said to be so."""
    from challenges.cli import main
    from challenges.store import ResultStore

    store = ResultStore(tmp_path / "runs.jsonl")
    plugin_records = [dict(r, challenge="div13-base7", key=f"p{i}") for i, r in enumerate(records())
                      if r["challenge"] == "div3-base10"]  # fmt: skip
    for record in records() + plugin_records:
        store.append(record)
    plot = tmp_path / "plots" / "div13-base7.png"
    plot.parent.mkdir()
    plot.write_bytes(b"a plot drawn when the plugin was loaded")
    code = main(["leaderboard", "--results", str(tmp_path), "--profile", "smoke"])
    _, err = capsys.readouterr()
    assert code == 0
    assert (f"{len(plugin_records)} record(s) of challenge 'div13-base7' not placed: challenge not "
            "registered (load its plugin with --plugin)") in err  # fmt: skip
    board = (tmp_path / "LEADERBOARD.md").read_text()
    assert "## div3-base10" in board and "## Not placed" in board and "div13-base7" in board
    assert plot.read_bytes() == b"a plot drawn when the plugin was loaded"
    assert len(store.records()) == len(records()) + len(plugin_records)


def test_a_store_of_unregistered_challenges_only_is_left_as_it_was(tmp_path, capsys):
    from challenges.cli import main
    from challenges.store import ResultStore

    store = ResultStore(tmp_path / "runs.jsonl")
    for record in records():
        store.append(dict(record, challenge="div13-base7"))
    (tmp_path / "LEADERBOARD.md").write_text("the plugin's tables\n")
    code = main(["leaderboard", "--results", str(tmp_path), "--profile", "smoke"])
    _, err = capsys.readouterr()
    assert code == 1 and "nothing rewritten" in err
    assert (tmp_path / "LEADERBOARD.md").read_text() == "the plugin's tables\n"


def test_a_size_where_a_seed_has_no_figures_is_not_solved():
    frame = tidy(latest_records(records(), "smoke"))
    rpni = frame[(frame["model"] == "rpni") & (frame["challenge"] == "div3-base10")]
    curve = pd.concat([
        rpni[rpni["seed"] == 0].assign(train_size=100),  # seed 1 over budget here: no metrics
        rpni.assign(train_size=1000),
    ])  # fmt: skip
    assert strings_needed(curve).loc["div3-base10", "rpni"] == "1,000"


def test_a_seed_over_its_budget_leaves_the_pair_unsolved():
    chosen = latest_records(records(), "smoke")
    rpni = next(r for r in chosen if r["model"] == "rpni" and r["challenge"] == "div3-base10")
    over = [dict(r, status="over-budget", metrics=[]) if r is rpni else r for r in chosen]
    assert headline(tidy(chosen), statuses(chosen)).loc["div3-base10", "rpni"].endswith("*")
    table = headline(tidy(over), statuses(over))
    assert not table.loc["div3-base10", "rpni"].endswith("*")  # the other seed alone is not enough
    rows = challenge_table(tidy(over), "div3-base10", statuses(over)).set_index("model")
    assert rows.loc["rpni", "solved"] == "no" and rows.loc["rpni", "seeds"] == 1
