"""The plugin path end to end: the worked example through run and leaderboard, and failures."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from cli_runner import run

from baselines import MODELS
from challenges import CHALLENGES, registry
from hofstadter import plugins

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plugin"




def test_worked_example_through_run_and_leaderboard(tmp_path, monkeypatch, capsys, clean_registries):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    results = str(tmp_path / "results")
    code, out, err = run(
        capsys, "--plugin", "hofstadter_example", "run", "div13-base7", "div3-base10",
        "--model", "digit-sum", "--profile", "smoke", "--results", results, "--json",
    )  # fmt: skip
    assert code == 0, err
    records = {r["challenge"]: r for r in map(json.loads, out.splitlines())}
    assert set(records) == {"div13-base7", "div3-base10"}
    assert all(r["status"] == "ok" for r in records.values())
    # the digit-sum rule is exact for 3 in base 10 (10 = 1 mod 3) at every length ...
    assert min(m["accuracy"] for m in records["div3-base10"]["metrics"]) == 1.0
    # ... and a poor guess for 13 in base 7, as it should be
    assert min(m["accuracy"] for m in records["div13-base7"]["metrics"]) < 0.9

    code, _, err = run(capsys, "--plugin", "hofstadter_example", "leaderboard",
                       "--results", results, "--profile", "smoke")  # fmt: skip
    assert code == 0, err
    board = (tmp_path / "results" / "LEADERBOARD.md").read_text()
    assert "div13-base7" in board and "digit-sum" in board
    assert (tmp_path / "results" / "plots" / "div13-base7.png").stat().st_size > 1000


def test_entry_points_are_read_when_the_command_line_starts(monkeypatch, capsys, clean_registries):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    points = [
        EntryPoint("div13-base7", "hofstadter_example:register_challenges", "hofstadter.challenges"),
        EntryPoint("digit-sum", "hofstadter_example:register_models", "hofstadter.models"),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: [p for p in points if p.group == group])
    code, out, _ = run(capsys, "list", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0 and "div13-base7" in rows
    assert "entry point 'div13-base7'" in rows["div13-base7"]["origin"]
    assert rows["div13-base7"]["min_states"] == 13
    assert "digit-sum" in MODELS


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import not_a_module_anywhere\n", "failed to load: ModuleNotFoundError"),
        ("def register():\n    raise RuntimeError('boom')\n", "failed to load: RuntimeError: boom"),
        ("x = 1\n", "has no register() function"),
        (
            "from challenges import register_challenge\n"
            "from challenges.families import divisibility\n"
            "def register():\n    register_challenge(divisibility(3, 10))\n",
            "challenge id 'div3-base10' from plugin module 'bad_plugin' collides with the one from built-in",
        ),
        (  # labels 596811 a multiple of 7 (it is 7 x 85258 + 5)
            "import dataclasses\nfrom challenges import register_challenge\n"
            "from challenges.families.divisibility import Divisible, divisibility\n"
            "class Sloppy(Divisible):\n"
            "    def draw_member_values(self, length, n, rng):\n"
            "        values = super().draw_member_values(length, n, rng)\n"
            "        if length == 6:\n            values[::2] = 596811\n"
            "        return values\n"
            "def register():\n"
            "    c = divisibility(7, 10, challenge_id='div7-sloppy')\n"
            "    register_challenge(dataclasses.replace(c, language=Sloppy(7, 10)))\n",
            "labels differ from the oracle: '596811' labelled member",
        ),
        (  # returns 1-digit strings when asked for length 12
            "import dataclasses\nimport numpy as np\nfrom challenges import register_challenge\n"
            "from challenges.families.divisibility import Divisible, divisibility\n"
            "class Short(Divisible):\n"
            "    def draw(self, length, n, member, rng):\n"
            "        if length < 12:\n            return super().draw(length, n, member, rng)\n"
            "        return np.array(['7' if member else '3'] * n)\n"
            "def register():\n"
            "    c = divisibility(7, 10, challenge_id='div7-short')\n"
            "    register_challenge(dataclasses.replace(c, language=Short(7, 10)))\n",
            "challenge 'div7-short' fails the conformance checks: test split, length 12: 2 strings of "
            "the wrong length: '7' (length 1) recorded as length 12",
        ),
        (
            "from baselines import Model, register_model\n"
            "class Half(Model):\n    id = 'half'\n    description = 'no predict'\n"
            "def register():\n    register_model(Half)\n",
            "does not implement: predict",
        ),
    ],
)
def test_broken_plugins_are_named_and_refused(
    tmp_path, monkeypatch, capsys, clean_registries, source, message
):
    (tmp_path / "bad_plugin.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err = run(capsys, "--plugin", "bad_plugin", "list")
    assert code == 2
    assert "bad_plugin" in err and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_plugin_that_hangs_is_refused_within_the_time_limit(
    tmp_path, monkeypatch, capsys, clean_registries
):
    from challenges import conformance

    (tmp_path / "bad_plugin.py").write_text(
        "import dataclasses, time\nfrom challenges import register_challenge\n"
        "from challenges.families.divisibility import Divisible, divisibility\n"
        "class Stuck(Divisible):\n"
        "    def members_mask(self, values):\n        while True:\n            time.sleep(0.01)\n"
        "def register():\n"
        "    c = divisibility(7, 10, challenge_id='div7-stuck')\n"
        "    register_challenge(dataclasses.replace(c, language=Stuck(7, 10)))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(conformance, "TIME_LIMIT_SECONDS", 0.5)
    code, _, err = run(capsys, "--plugin", "bad_plugin", "list")
    assert code == 2 and "div7-stuck" in err and "did not finish within 0.5 s" in err
    assert "div7-stuck" not in CHALLENGES


def test_built_in_models_are_credited_to_no_plugin(monkeypatch, capsys, clean_registries):
    """Built-in models register by name and load on first use: loaded while a plugin is loaded,
    they are still credited to no plugin."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setattr(MODELS, "_items", {name: registry._UNLOADED for name in MODELS._items})
    code, out, _ = run(capsys, "--plugin", "hofstadter_example", "models", "--json")
    origins = {row["id"]: row["origin"] for row in json.loads(out)}
    assert code == 0
    assert origins["gru"] == "built-in" and origins["fsa"] == "built-in"
    assert "hofstadter_example" in origins["digit-sum"]


def test_plugin_after_the_subcommand(tmp_path, monkeypatch, capsys, clean_registries):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    code, out, err = run(capsys, "run", "div13-base7", "--model", "majority", "--profile", "smoke",
                         "--results", str(tmp_path), "--json", "--plugin", "hofstadter_example")  # fmt: skip
    assert code == 0, err
    record = json.loads(out.splitlines()[-1])
    assert record["challenge"] == "div13-base7" and record["status"] == "ok"
    assert record["key"]


def test_plugin_as_a_file_path(tmp_path, capsys, clean_registries):
    plugin = tmp_path / "elsewhere" / "thirteens.py"
    plugin.parent.mkdir()
    plugin.write_text(
        "from challenges import register_challenge\n"
        "from challenges.families import divisibility\n"
        "def register():\n    register_challenge(divisibility(13, 5))\n"
    )
    code, out, err = run(capsys, "list", "--json", "--plugin", str(plugin))
    assert code == 0, err
    rows = {row["id"]: row for row in json.loads(out)}
    assert "div13-base5" in rows and str(plugin) in rows["div13-base5"]["origin"]


@pytest.mark.parametrize(
    ("path", "message"),
    [("no/such/plugin.py", "does not exist"), ("broken.py", "failed to load: SyntaxError")],
)
def test_a_plugin_file_that_does_not_load_is_one_line(tmp_path, monkeypatch, capsys, clean_registries,
                                                      path, message):  # fmt: skip
    (tmp_path / "broken.py").write_text("def register(:\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "--plugin", path, "list")
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
