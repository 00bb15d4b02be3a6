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

from hofstadter.reports.leaderboard import (
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
    from hofstadter.cli import main
    from hofstadter.store import ResultStore

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
    from hofstadter.cli import main
    from hofstadter.store import ResultStore

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


def test_a_pair_over_budget_in_every_seed_reads_over_budget_not_n_a():
    chosen = latest_records(records(), "smoke")
    over = [dict(r, status="over-budget", metrics=[])
            if r["model"] == "rpni" and r["challenge"] == "div3-base10" else r for r in chosen]  # fmt: skip
    table = headline(tidy(over), statuses(over))
    assert table.loc["div3-base10", "rpni"] == "over budget"
    assert (table["rpni"] == "over budget").sum() == 1  # its other challenges have figures


# --- what a board shows: the default cells, whatever else the store holds (issues 24, 25, 20) -----

import dataclasses  # noqa: E402

from hofstadter.profiles import PROFILES  # noqa: E402
from hofstadter.reports.default_cells import select  # noqa: E402

QUICK = PROFILES["quick"]
TWO_SEEDS = dataclasses.replace(QUICK, seeds=QUICK.seeds[:2])  # the fixture's two seeds, as a profile


def quick_records() -> list[dict]:
    """The fixture as default cells of the quick profile: its report seeds and training size."""
    sized = {"train_size": QUICK.train_size}
    return [dict(r, profile="quick", seed=QUICK.seeds[r["seed"]], **(sized if "train_size" in r else {}))
            for r in records()]  # fmt: skip


def spoiled(record: dict, tag: str, **fields) -> dict:
    """A copy of ``record`` under its own key, every answer wrong: a figure that must not leak in."""
    metrics = [dict(m, accuracy=0.0) for m in record.get("metrics", [])]
    return {**record, "key": f"{record['key']}-{tag}", "metrics": metrics, "equivalent": None, **fields}


def board_headline(tmp_path: Path, store_records: list[dict], *extra: str) -> str:
    from hofstadter.cli import main
    from hofstadter.store import ResultStore

    tmp_path.mkdir(parents=True, exist_ok=True)
    store = ResultStore(tmp_path / "runs.jsonl")
    for record in store_records:
        store.append(record)
    assert main(["leaderboard", "--results", str(tmp_path), "--profile", "quick", *extra]) == 0
    board = (tmp_path / "LEADERBOARD.md").read_text()
    return board.split("## Headline", 1)[1].split("\n## ", 1)[0]


def test_sizes_versions_variants_seeds_and_plugins_leave_the_default_headline_unchanged(tmp_path):
    """Issue 24's done-when: a store holding more than the default cells gives the same figures."""
    clean = quick_records()
    noisy = clean + [spoiled(r, "size", train_size=1000) for r in clean]  # one-off --train-size
    noisy += [spoiled(r, "old", challenge_version=0) for r in clean]  # an older version
    noisy += [spoiled(r, "variant", overrides={"lr": 0.1}) for r in clean]  # a command-line variant
    noisy += [spoiled(r, "seed", seed=7) for r in clean]  # a seed outside the profile
    noisy += [spoiled(r, "plugin", challenge="div13-base7") for r in clean]  # a plugin not loaded
    expected = board_headline(tmp_path / "clean", clean)
    assert "| div3-base10 |" in expected and "| prime-base2 |" in expected
    assert board_headline(tmp_path / "noisy", noisy) == expected
    board = (tmp_path / "noisy" / "LEADERBOARD.md").read_text()
    assert "older challenge versions (div3-base10 version 0; prime-base2 version 0)" in board
    assert "## Also in this store" in board and "majority[lr=0.1] on div3-base10" in board
    assert "majority on div3-base10 (1,000 training strings; seeds 100, 101)" in board
    assert "majority, seeds outside the profile, on div3-base10 (100,000 training strings; seed 7)" in board
    assert "## Strings needed" not in board  # one other size is no curve


def test_an_older_configuration_of_a_cell_is_set_aside_and_named_never_averaged(tmp_path):
    """Issue 30: a record of an older config for one seed moved a cell from 100.0 * to 87.5."""
    clean = [dict(r, date="2026-12-01T00:00:00+00:00") for r in quick_records()]
    first = next(r for r in clean if r["model"] == "majority" and r["challenge"] == "div3-base10")
    older = spoiled(first, "old-config", model_config={"an_older": "setting"},
                    date="2026-11-01T00:00:00+00:00")  # fmt: skip
    expected = board_headline(tmp_path / "clean", clean)
    assert board_headline(tmp_path / "mixed", clean + [older]) == expected
    board = (tmp_path / "mixed" / "LEADERBOARD.md").read_text()
    assert "Set aside, never averaged in" in board
    assert f"majority on div3-base10: 1 record of an older configuration (seed {first['seed']})" in board
    # The newest configuration wins, even where the older one has more seeds: here the old one
    # is newer, so the two seeds of the current config are set aside and its one seed shown.
    newer = dict(older, date="2026-12-02T00:00:00+00:00")
    chosen = select(clean + [newer], QUICK)
    shown = [r for r in chosen.default if r["model"] == "majority" and r["challenge"] == "div3-base10"]
    assert shown == [newer]
    assert {r["seed"] for r in chosen.set_aside} == {r["seed"] for r in clean if r["key"] in
                                                   {x["key"] for x in clean if x["model"] == "majority"
                                                    and x["challenge"] == "div3-base10"}}


def test_all_variants_shows_the_one_off_cells_as_their_own_columns(tmp_path):
    clean = quick_records()
    text = board_headline(tmp_path, clean + [spoiled(r, "size", train_size=1000) for r in clean],
                          "--all-variants")  # fmt: skip
    header = text.splitlines()[2]
    assert "| majority | majority[train_size=1000] |" in header and "rpni[train_size=1000]" in header
    assert "## Also in this store" not in (tmp_path / "LEADERBOARD.md").read_text()


def test_a_real_learning_curve_feeds_strings_needed_and_nothing_else():
    clean = [r for r in quick_records() if r["status"] == "ok"]
    curve = clean + [dict(r, key=f"{r['key']}-{n}", train_size=n) for r in clean for n in (100, 1000)]
    chosen = select(curve, TWO_SEEDS)
    assert len(chosen.default) == len(clean) and not chosen.apart
    assert {r.get("train_size") for r in chosen.curve} == {100, 1000, QUICK.train_size}
    one_seed = [r for r in curve if r.get("train_size") != 1000 or r["seed"] == QUICK.seeds[0]]
    partial = select(one_seed, TWO_SEEDS)  # 1,000 strings in one seed only: no curve of three sizes
    assert partial.curve == [] and {r["train_size"] for r in partial.apart} == {100, 1000}


def test_versions_are_never_averaged():
    clean = latest_records(records(), "smoke")
    older = [spoiled(r, "v0", challenge_version=0) for r in clean]
    table = headline(tidy(clean + older))
    assert "div3-base10 v1" in table.index and "div3-base10 v0" in table.index
    assert table.loc["div3-base10 v1", "majority"] == headline(tidy(clean)).loc["div3-base10", "majority"]
    assert table.loc["div3-base10 v0", "majority"] == "0.0"
    newest = challenge_table(tidy(clean + older), "div3-base10").set_index("model")
    assert newest.loc["majority", "in-distribution"] != "0.0 ± 0.0"  # the newest version's figures


def test_a_seed_proven_not_exact_is_never_solved_however_it_sampled():
    """Issue 20 item 4: 6,400 of 6,400 right, but the DFA is proven wrong: not solved."""
    frame = tidy(latest_records(records(), "smoke"))
    big = frame.assign(n=frame["n"] * 100)
    fsa = (big["challenge"] == "div3-base10") & (big["model"] == "fsa")
    assert headline(big).loc["div3-base10", f"fsa{REFERENCE_MARK}"].endswith("*")
    disproven = big.assign(equivalent=big["equivalent"].where(~(fsa & (big["seed"] == 1)), False))
    assert not headline(disproven).loc["div3-base10", f"fsa{REFERENCE_MARK}"].endswith("*")
    row = challenge_table(disproven, "div3-base10").set_index("model").loc["fsa"]
    assert row["solved"] == "no" and row["exact"] == "1/2 proven"


def test_a_record_claiming_equivalence_beside_errors_is_not_shown_solved():
    """Issue 24 item 5: ``equivalent: true`` at 50% is neither proven nor solved."""
    chosen = latest_records(records(), "smoke")
    forged = [dict(r, metrics=[dict(m, accuracy=0.5) for m in r["metrics"]])
              if r["model"] == "rpni" and r["challenge"] == "div3-base10" else r for r in chosen]  # fmt: skip
    assert headline(tidy(forged)).loc["div3-base10", "rpni"] == "50.0"
    row = challenge_table(tidy(forged), "div3-base10").set_index("model").loc["rpni"]
    assert row["solved"] == "no" and row["exact"].startswith("contradictory")


def test_structured_learners_are_shown_apart_with_what_is_built_in(tmp_path):
    """Issue 20 item 7: the kind is the model class's fact; the column automaton is structured."""
    from baselines import get_model_class

    assert get_model_class("column-automaton").kind == "structured"
    assert get_model_class("fsa").kind == "reference" and get_model_class("gru").kind == "learner"
    chosen = [dict(r, model="column-automaton") if r["model"] == "soft-automaton" else r
              for r in latest_records(records(), "smoke")]  # fmt: skip
    columns = list(headline(tidy(chosen)).columns)
    assert columns == ["rpni", "majority", "column-automaton(enc)", f"fsa{REFERENCE_MARK}",
                       f"fsa-approx{REFERENCE_MARK}"]  # fmt: skip
    board = write_leaderboard(chosen, tmp_path, profile="smoke")["markdown"].read_text()
    assert "column-automaton(enc) builds in a place-value-aligned encoding" in board
    assert "Structured learners (enc), over an encoding built by hand:" in board


def test_each_unscored_cell_is_named_with_its_reason(tmp_path):
    """Issue 25: failed cells by name and reason; over-budget and not-applicable ones by model."""
    chosen = [dict(r, seed=100) for r in latest_records(records(), "smoke") if r["seed"] == 0]
    failed = {**chosen[0], "model": "gru", "key": "f", "status": "failed", "metrics": [],
              "reason": "ValueError: predictions of shape (64, 1)"}  # fmt: skip
    over = {**chosen[0], "model": "edsm", "key": "o", "status": "over-budget", "metrics": [],
            "reason": "edsm still merging states after its 10 s budget"}  # fmt: skip
    board = write_leaderboard(chosen + [failed, over], tmp_path, profile="smoke")["markdown"].read_text()
    section = board.split("## Not scored", 1)[1]
    assert "failed: gru on div3-base10, seed 100: ValueError: predictions of shape (64, 1)" in section
    assert "over-budget: edsm on div3-base10 (seed 100) -- edsm still merging states" in section
    assert "not-applicable: fsa on prime-base2 -- " in section


def test_a_run_names_its_cells_still_running_elsewhere(tmp_path):
    """Issue 24 item 6: a partial headline says so, names the cell and the process holding it."""
    import os

    from hofstadter.commands.run_cmd import running_elsewhere, summary_text
    from hofstadter.concurrency import claim
    from hofstadter.run import Cell, cell_key
    from hofstadter.store import ResultStore

    store = ResultStore(tmp_path / "runs.jsonl")
    cell = Cell("div3-base10", "majority", 100, "smoke")
    with claim(tmp_path / ".claims", cell_key(cell)):  # another run holds it (a lock is per open file)
        elsewhere = running_elsewhere([cell], store)
    assert elsewhere == [f"div3-base10 / majority / seed 100 (process {os.getpid()})"]
    assert running_elsewhere([cell], store) == []  # released: nothing is running it
    text = summary_text(latest_records(records(), "smoke"), elsewhere=elsewhere)
    assert "1 of this run's cells are still running elsewhere" in text and "kill PID" in text


def test_a_run_of_several_sizes_shows_one_size_in_its_headline():
    from hofstadter.commands.run_cmd import summary_text

    clean = latest_records(records(), "smoke")
    text = summary_text(clean + [spoiled(r, "size", train_size=100) for r in clean])
    assert "at 512 training strings (also run: 100)" in text
    assert summary_text(clean).split("\n", 1)[1] in text  # the same figures as the 512 cells alone


# --- plots a reader can read (issue 25) -----------------------------------------------------------


def many_models_frame() -> pd.DataFrame:
    """div3-base10 with 13 learners and 3 references, all at 100%: every line on top of another."""
    frame = tidy(latest_records(records(), "smoke"))
    base = frame[(frame["challenge"] == "div3-base10") & (frame["model"] == "rpni")]
    learners = [base.assign(model=f"learner-{i}") for i in range(13)]
    references = [base.assign(model=f"ref-{i}", kind="reference", knows_rule=True) for i in range(3)]
    return pd.concat(learners + references, ignore_index=True)


def test_every_line_of_a_plot_has_its_own_style_and_a_panel_holds_eight_at_most():
    from hofstadter.reports.plots import CAPTION, challenge_figure

    figure = challenge_figure(many_models_frame(), "div3-base10")
    figure.canvas.draw()
    styles, labels = [], []
    for axes in figure.axes:
        lines = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
        assert 0 < len(lines) <= 8
        labels += [line.get_label() for line in lines]
        styles += [(str(line.get_color()), line.get_marker(), str(line.get_linestyle())) for line in lines]
        legend = axes.get_legend()
        assert legend.get_window_extent().x0 >= axes.get_window_extent().x1  # outside the data
    assert len(labels) == 16 and len(set(styles)) == len(styles)
    assert figure.axes[-1].get_title().endswith("references (grey, built from the rule)")
    assert any(CAPTION in text.get_text() for text in figure.texts)  # the band explained in the figure


def test_a_learning_curve_legend_sits_outside_the_data():
    from hofstadter.reports.plots import curve_figure

    frame = tidy(latest_records(records(), "smoke"))
    curve = pd.concat([frame.assign(train_size=n) for n in (100, 1000)])
    figure = curve_figure(curve, "div3-base10")
    figure.canvas.draw()
    axes = figure.axes[-1]
    assert axes.get_legend().get_window_extent().x0 >= axes.get_window_extent().x1
    lines = [line for line in axes.get_lines() if not line.get_label().startswith("_")]
    styles = {(line.get_color(), line.get_marker(), str(line.get_linestyle())) for line in lines}
    assert len(styles) == len(lines) == 3  # the learners; references read no strings


def test_a_model_of_an_unknown_kind_is_refused_at_registration():
    from baselines.base import Model, register_model
    from challenges.errors import InvalidArgument

    class Odd(Model):
        id, description, kind = "odd-kind", "a model of no known kind", "oracle"

        def predict(self, texts):  # noqa: ANN001, ANN201
            return texts == texts

    with pytest.raises(InvalidArgument, match="kind must be one of learner, structured, reference"):
        register_model(Odd)


def test_lengths_not_declared_shortcut_free_are_marked():
    """add-base10 (version 3) claims 60, 100 and 1000 digits shortcut-free, not 12 or 30: those
    columns carry the mark and the board its footnote; a regular challenge's columns none."""
    from hofstadter.reports.tables import NOT_CLEAN

    sums = challenge_table(_frame("add-base10", 3, [6, 12, 30, 60, 1000], 6), "add-base10")
    marked = {f"12 digits {NOT_CLEAN}", f"30 digits {NOT_CLEAN}", "60 digits", "1000 digits"}
    assert marked <= set(sums.columns)
    older = challenge_table(_frame("add-base10", 2, [6, 12, 1000], 6), "add-base10")  # not the registered one
    assert not any(NOT_CLEAN in column for column in older.columns)
    regular = challenge_table(_frame("div7-base10", 1, [6, 12, 1000], 6), "div7-base10")
    assert not any(NOT_CLEAN in column for column in regular.columns)


def _frame(challenge: str, version: int, lengths: list[int], max_train: int) -> pd.DataFrame:
    return pd.DataFrame([
        {"challenge": challenge, "version": version, "model": "majority", "kind": "learner", "seed": 0,
         "length": length, "accuracy": 0.5, "n": 100, "max_train_length": max_train, "train_size": 100,
         "knows_rule": False, "equivalent": None, "capped": False}
        for length in lengths
    ])  # fmt: skip


def test_the_board_explains_the_mark(tmp_path, monkeypatch):
    """A challenge that declares only 1000 digits shortcut-free: its other columns are marked, and
    the board says what the mark means, once."""
    import dataclasses

    from challenges import CHALLENGES
    from hofstadter.reports.tables import NOT_CLEAN, NOT_CLEAN_NOTE

    declared = dataclasses.replace(CHALLENGES.get("div3-base10"), shortcut_free_lengths=(1000,))
    monkeypatch.setitem(CHALLENGES._items, "div3-base10", declared)
    board = write_leaderboard(records(), tmp_path, profile="smoke")["markdown"].read_text()
    assert f"12 digits {NOT_CLEAN}" in board and f"1000 digits {NOT_CLEAN}" not in board
    assert board.count(NOT_CLEAN_NOTE) == 1


# --- plots by kind, beside the ceiling, fast to redraw (issue 33) ---------------------------------


def kinds_frame() -> pd.DataFrame:
    """div3-base10 with a network (a copy of majority's rows named gru), two automaton learners,
    a trivial baseline and the references, fsa-approx among them."""
    frame = tidy(latest_records(records(), "smoke"))
    frame = frame[frame["challenge"] == "div3-base10"]
    return pd.concat([frame, frame[frame["model"] == "majority"].assign(model="gru")], ignore_index=True)


def test_panels_go_by_kind_and_every_learners_panel_shows_the_finite_state_ceiling():
    from hofstadter.reports.plots import CEILING_LABEL, challenge_figure

    figure = challenge_figure(kinds_frame(), "div3-base10")
    panels = {}
    for axes in figure.axes:
        panels[axes.get_title().split(": ", 1)[1]] = [line.get_label() for line in axes.get_lines()
                                                     if not line.get_label().startswith("_")]  # fmt: skip
    assert panels["networks: answer by their own forward pass"] == [CEILING_LABEL, "gru"]
    automata = panels["learners that answer with a learned automaton"]
    assert automata == [CEILING_LABEL, "soft-automaton", "rpni"]
    assert panels["trivial baselines"] == [CEILING_LABEL, "majority"]
    assert CEILING_LABEL not in panels["references (grey, built from the rule)"]


def test_lines_at_one_accuracy_are_drawn_apart_and_bands_are_wilson_intervals():
    from hofstadter.reports.plots import challenge_figure
    from hofstadter.reports.tables import wilson_interval

    frame = kinds_frame()
    figure = challenge_figure(frame, "div3-base10")
    references = next(a for a in figure.axes if "references" in a.get_title())
    fsa, approx = (line for line in references.get_lines() if line.get_label() in ("fsa", "fsa-approx"))
    # both right on every string: drawn apart, each less than a point from the truth
    assert abs(fsa.get_ydata() - approx.get_ydata()).min() >= 0.5
    assert abs(fsa.get_ydata() - 100).max() < 1 and abs(approx.get_ydata() - 100).max() < 1
    automata = next(a for a in figure.axes if "learned automaton" in a.get_title())
    band = automata.collections[0].get_paths()[0].vertices[:, 1]  # soft automaton's shaded band
    rows = frame[(frame["model"] == "soft-automaton") & (frame["length"] == 1000)]
    low, _ = wilson_interval(float((rows["accuracy"] * rows["n"]).sum()), int(rows["n"].sum()))
    assert round(100 * low, 6) in {round(v, 6) for v in band}


def test_a_plot_is_drawn_again_only_when_its_rows_change(tmp_path):
    from hofstadter.reports.plots import plot_challenge

    frame = kinds_frame()
    path = plot_challenge(frame, "div3-base10", tmp_path / "div3-base10.png")
    drawn = path.stat().st_mtime_ns
    assert plot_challenge(frame, "div3-base10", path).stat().st_mtime_ns == drawn  # nothing new
    changed = frame.assign(accuracy=frame["accuracy"].where(frame["model"] != "gru", 0.6))
    assert plot_challenge(changed, "div3-base10", path).stat().st_mtime_ns != drawn


def test_the_frontier_is_linked_from_the_board_and_the_site(tmp_path, monkeypatch):
    from hofstadter.reports.site import build_site

    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "frontier.png").write_bytes(b"\x89PNG frontier")
    monkeypatch.chdir(tmp_path)
    chosen = latest_records(records(), "smoke")
    write_leaderboard(chosen, tmp_path / "results" / "local", profile="smoke")
    board = (tmp_path / "results" / "local" / "LEADERBOARD.md").read_text()
    assert "[finite-state frontier](../frontier.png)" in board
    build_site(chosen, tmp_path / "site", "smoke")
    assert 'href="plots/frontier.png"' in (tmp_path / "site" / "index.html").read_text()
    assert (tmp_path / "site" / "plots" / "frontier.png").read_bytes() == b"\x89PNG frontier"


def test_a_new_record_changes_the_key_of_its_own_challenges_plot_only():
    from hofstadter.reports.plots import plot_key

    chosen = latest_records(records(), "smoke")
    one = next(r for r in chosen if r["challenge"] == "div3-base10" and r["model"] == "majority")
    external = {k: v for k, v in one.items() if k != "train_size"}  # as score writes: no size
    external.update(key="external-key", model="external:mine")
    before, after = tidy(chosen), tidy([*chosen, external])
    for challenge, moved in (("prime-base2", False), ("div3-base10", True)):
        keys = [plot_key(frame[frame["challenge"] == challenge]) for frame in (before, after)]
        assert (keys[0] != keys[1]) is moved
