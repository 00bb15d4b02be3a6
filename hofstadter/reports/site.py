"""The leaderboard as a static site: plain HTML files, the plots beside them, no server, no network.

``python -m challenges leaderboard --html DIR`` writes

* ``index.html`` -- the headline: a row per model, a column per challenge (accuracy at the
  longest tested length, mean over seeds, ``*`` = solved), sortable by clicking a column's header,
  filterable by challenge family and by kind of model; learners on raw strings, external models
  (scored from a file, :mod:`hofstadter.scoring`), structured learners and references (built from
  the rule) each in a group of their own, never ranked together. Hovering a cell shows the 95%
  Wilson interval of all seeds' answers pooled, and whether (and why) the pair is solved;
* ``challenges/ID.html`` -- a challenge: its facts, accuracy against length (the project's plot,
  :func:`hofstadter.reports.plots.plot_challenge`), the per-length table with intervals, exactness and
  counterexamples per seed, and the strings-needed curve where the store has one;
* ``models/NAME.html`` -- a model: what it is (its class's docstring, or an external model's
  description), what it sees, its configuration, and its row of results.

The figures are the Markdown board's: the same records are chosen
(:func:`hofstadter.reports.default_cells.select`) and the same table functions fill them
(:mod:`hofstadter.reports.tables`). The pages carry their own CSS and about forty lines of JavaScript;
nothing is fetched, so the site opens from a file:// URL.

Writing never overwrites what this package did not write: the site is staged and moved into
place (:func:`hofstadter.outputs.publish`), a folder holding other files is refused, and the pages
of an earlier site that the new one no longer has are removed (``SITE_LIST`` names them).

>>> slug("gru[hidden_size=16,lr=0.003]"), slug("external:my-lstm"), slug("external_my-lstm")
('gru_5bhidden_5fsize_3d16_2clr_3d0.003_5d', 'external_3amy-lstm', 'external_5fmy-lstm')
"""

from __future__ import annotations

import html
import inspect
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from baselines import MODELS
from challenges import CHALLENGES
from hofstadter.limits import MAX_INDEX_BYTES, loads_json, read_bytes
from hofstadter.outputs import publish
from hofstadter.profiles import get_profile
from hofstadter.reports.default_cells import select
from hofstadter.reports.leaderboard import latest_records
from hofstadter.reports.plots import FRONTIER, KEYS, plot_challenge, plot_curve
from hofstadter.reports.tables import (
    CAPPED,
    KIND_MARKS,
    NOT_CLEAN,
    NOT_CLEAN_NOTE,
    OVER_BUDGET,
    SOLVED_ACCURACY,
    challenge_table,
    headline,
    model_kinds,
    model_name,
    not_scored,
    per_seed,
    statuses,
    strings_needed,
    tidy,
    wilson_interval,
)

KINDS = {  # the groups of the headline, in order: (heading, what a reader needs to know)
    "learner": ("Learners", "see only the alphabet, the training lengths and the labelled strings"),
    "external": ("External models", "scored from a file of predictions made outside this package "
                 "(score); what they saw is what their authors say"),
    "structured": ("Structured learners", "learn from strings, through an encoding built by hand"),
    "reference": ("References", "built from the rule: shown apart, never ranked with the learners"),
}


SITE_LIST = ".hofstadter-site.json"  # the files a site wrote: the next one may replace them


def slug(name: str) -> str:
    """A file name for a model or challenge page, one name one file: lower-case letters, digits,
    '.' and '-' are kept, every other character is written ``_`` and its code in hex (``_3a`` for
    ':', ``_5f`` for '_' itself, ``_u01f600`` beyond one byte). So ``external:rpni`` (scored from
    a file) and a plugin model ``external_rpni`` get pages of their own, and no two names differ
    only in case (one file on macOS or Windows)."""
    return re.sub(r"[^a-z0-9.-]", lambda m: f"_{ord(m[0]):02x}" if ord(m[0]) < 256 else f"_u{ord(m[0]):06x}",
                  name)  # fmt: skip


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def site_kinds(records: Iterable[dict[str, Any]], frame: pd.DataFrame) -> dict[str, str]:
    """Model column -> group: the tables' kind, and ``external`` for a model scored from a file."""

    kinds = model_kinds(frame)
    for record in records:
        if record.get("kind") == "external" and model_name(record) in kinds:
            kinds[model_name(record)] = "external"
    return kinds


def build_site(records: list[dict[str, Any]], out_dir: Path, profile: str = "quick") -> dict[str, Path]:
    """Write the site of ``records`` (a store's, all profiles) to ``out_dir``; returns its pages."""

    chosen = latest_records(records, profile)
    selection = select(chosen, get_profile(profile))
    frame, status, curve = tidy(selection.default), statuses(selection.default), tidy(selection.curve)
    kinds = site_kinds(selection.default, frame)
    board = _Board(selection.default, frame, status, curve, kinds, profile)
    pages: dict[str, Path] = {}

    def write(staging: Path) -> None:
        for folder in ("challenges", "models", "plots"):
            (staging / folder).mkdir()
        wanted = {f"{slug(c)}{end}" for c in frame["challenge"].unique() for end in (".png", "-curve.png")}
        _reuse_plots(out_dir / "plots", staging / "plots", wanted)
        if FRONTIER.exists():  # the site holds its own copy: it opens from a file:// URL, nothing fetched
            (staging / "plots" / FRONTIER.name).write_bytes(FRONTIER.read_bytes())
            board.frontier = f"plots/{FRONTIER.name}"
        (staging / "index.html").write_text(board.index_page(), encoding="utf-8")
        pages["index"] = out_dir / "index.html"
        for challenge_id in dict.fromkeys(frame["challenge"]):
            name = f"challenges/{slug(challenge_id)}.html"
            page = board.challenge_page(challenge_id, staging / "plots")
            (staging / name).write_text(page, encoding="utf-8")
            pages[f"challenge {challenge_id}"] = out_dir / name
        for model in kinds:
            name = f"models/{slug(model)}.html"
            (staging / name).write_text(board.model_page(model), encoding="utf-8")
            pages[f"model {model}"] = out_dir / name
        files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        listed = json.dumps({"files": [*files, SITE_LIST]}, indent=1)
        (staging / SITE_LIST).write_text(listed, encoding="utf-8")

    publish(out_dir, write, site_files, "--html")
    return pages


def site_files(out_dir: Path) -> set[str] | None:
    """The files the site in ``out_dir`` wrote, as its ``SITE_LIST`` names them (None: no site)."""

    try:
        listed = loads_json(read_bytes(out_dir / SITE_LIST, MAX_INDEX_BYTES, "MAX_INDEX_BYTES", "site list")
                            .decode("utf-8"), str(out_dir / SITE_LIST))["files"]  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return set(listed) if isinstance(listed, list) else None


class _Board:
    """The chosen records and their frames, and the three kinds of page made of them."""

    def __init__(self, records, frame, status, curve, kinds, profile) -> None:  # noqa: ANN001
        self.records, self.frame, self.status, self.curve = records, frame, status, curve
        self.kinds, self.profile = kinds, profile
        self.frontier: str | None = None  # the frontier plot, relative to the site's root
        self.seeds = per_seed(frame) if len(frame) else pd.DataFrame()
        self.headline = headline(frame, status)
        # Rows per (challenge, model), grouped once: a headline cell is asked for every pair.
        self.pairs = dict(iter(frame.groupby(["challenge", "model"], sort=False))) if len(frame) else {}
        self.seed_pairs = (dict(iter(self.seeds.groupby(["challenge", "model"], sort=False)))
                           if len(self.seeds) else {})  # fmt: skip

    # -- the headline ---------------------------------------------------------------------------

    def cell(self, challenge_id: str, model: str) -> tuple[str, float | None, str, bool]:
        """(text, sort value, hover text, solved) of one headline cell: the Markdown board's text,
        and the Wilson interval of every seed's answers at the longest length, pooled."""

        column = f"{model}{KIND_MARKS.get(self.frame_kind(model), '')}"
        rows = [r for r in self.headline.index if r == challenge_id or r.startswith(f"{challenge_id} v")]
        text = str(self.headline.at[rows[0], column]) if rows and column in self.headline else "n/a"
        if text == "n/a":
            return "–", None, "no figures", False
        if text == OVER_BUDGET:
            return text, None, f"{model} ran on {challenge_id} and ran out of its budget in every seed", False
        at = self.pairs.get((challenge_id, model))
        if at is None:
            return "–", None, "no figures", False
        at = at[at["version"] == at["version"].max()]
        longest = at[at["length"] == at["length"].max()]
        answers = int(longest["n"].sum())
        low, high = wilson_interval(float((longest["accuracy"] * longest["n"]).sum()), answers)
        solved = "*" in text
        seeds = self.seed_pairs.get((challenge_id, model), self.seeds.iloc[:0])
        why = ("solved: proven exact in every seed" if solved and seeds["proven"].all() else
               "solved: Wilson lower bound at least 99% at every length, every seed" if solved else
               "not solved")  # fmt: skip
        hover = (f"{model} on {challenge_id}, {int(longest['length'].iloc[0])} digits: "
                 f"95% Wilson interval [{100 * low:.1f}, {100 * high:.1f}] over "
                 f"n={answers} answers ({seeds['seed'].nunique()} seed(s)); {why}")  # fmt: skip
        return text, float(text.split()[0]), hover, solved

    def frame_kind(self, model: str) -> str:
        """The tables' kind (which names the headline column) of a model the site may call external."""
        rows = self.frame.loc[self.frame["model"] == model, "kind"]
        return str(rows.iloc[0]) if len(rows) else "learner"

    def index_page(self) -> str:
        challenges = list(dict.fromkeys(self.frame["challenge"]))
        family = {c: CHALLENGES.get(c).family for c in challenges}
        head = "".join(
            f'<th class="num" data-family="{_e(family[c])}" title="{_e(CHALLENGES.get(c).description)}">'
            f'<a href="challenges/{slug(c)}.html">{_e(c)}</a></th>'
            for c in challenges
        )
        groups = []
        for kind, (heading, about) in KINDS.items():
            models = [m for m, k in self.kinds.items() if k == kind]
            if not models:
                continue
            rows = []
            for model in models:
                cells = [self.cell(c, model) for c in challenges]
                solved = sum(c[3] for c in cells)
                tds = "".join(
                    f'<td class="num{" solved" if ok else ""}" data-family="{_e(family[c])}" '
                    f'data-v="{"" if value is None else value}" title="{_e(hover)}">{_e(text)}</td>'
                    for c, (text, value, hover, ok) in zip(challenges, cells)
                )
                rows.append(f'<tr><th scope="row"><a href="models/{slug(model)}.html">{_e(model)}</a></th>'
                            f'<td class="num" data-v="{solved}">{solved}</td>{tds}</tr>')  # fmt: skip
            colspan = len(challenges) + 2
            title = f'<th colspan="{colspan}">{heading} <span class="about">{_e(about)}</span></th>'
            groups.append(f'<tbody data-kind="{kind}"><tr class="group">{title}</tr>{"".join(rows)}</tbody>')
        families = "".join(f"<option>{_e(f)}</option>" for f in dict.fromkeys(family.values()))
        boxes = "".join(
            f'<label><input type="checkbox" data-kind="{k}" checked> {_e(KINDS[k][0].lower())}</label>'
            for k in KINDS if k in self.kinds.values()
        )
        intro = (
            f"Accuracy (%) at the longest tested length, mean over seeds, from {len(self.records)} runs "
            f"({_e(self.profile)} profile). <b>*</b> = solved: in every seed proven exact, or a 95% "
            f"Wilson lower bound of at least {100 * SOLVED_ACCURACY:.0f}% at every tested length. Hover "
            "a cell for its interval; click a header to sort (each group apart); a challenge or a "
            "model opens its page."
            + (f" {CAPPED} = the wall-clock safety cap, not the step budget, stopped a seed's training."
               if self.frame["capped"].any() else "")
        )
        controls = (f'<div class="controls"><label>family <select id="family"><option value="">all</option>'
                    f'{families}</select></label> <span class="kinds">{boxes}</span></div>')  # fmt: skip
        table = (f'<table id="board"><thead><tr><th data-col="0">model</th>'
                 f'<th class="num" data-col="1" title="challenges solved">solved</th>{head}</tr></thead>'
                 f'{"".join(groups)}</table>')  # fmt: skip
        frontier = "" if self.frontier is None else (
            f'<h2>The finite-state frontier</h2><p>The best finite-state check within each state budget, '
            f'against the learners: <a href="{_e(self.frontier)}">the frontier plot</a>.</p>')
        return _page("Leaderboard", f"<h1>Leaderboard</h1><p>{intro}</p>{controls}{table}{frontier}",
                     root="", script=_SCRIPT)  # fmt: skip

    # -- a challenge ----------------------------------------------------------------------------

    def challenge_page(self, challenge_id: str, plots: Path) -> str:
        challenge = CHALLENGES.get(challenge_id)
        shown = self.frame.loc[self.frame["challenge"] == challenge_id, "version"]
        version = int(shown.max()) if len(shown) else challenge.version  # the records', not the code's
        if version != challenge.version:
            version = f"{version} (the records shown; this code draws version {challenge.version})"
        facts = [("family", challenge.family), ("version", version),
                 ("training lengths", "%d-%d" % challenge.train_lengths),
                 ("extrapolation lengths", ", ".join(map(str, challenge.extrapolation_lengths))),
                 ("regular", "yes" if challenge.regular else "no"),
                 ("minimal DFA states", challenge.min_states or "-")]  # fmt: skip
        parts = [f"<h1>{_e(challenge_id)}</h1><p>{_e(challenge.description)}</p>", _facts(facts)]
        if plot_challenge(self.frame, challenge_id, plots / f"{slug(challenge_id)}.png") is not None:
            parts.append(f'<h2>Accuracy against length</h2><img class="plot" alt="accuracy of every model'
                         f' against length on {_e(challenge_id)}" src="../plots/{slug(challenge_id)}.png">')
        table = challenge_table(self.frame, challenge_id, self.status)
        if len(table):
            parts.append("<h2>Summary</h2><p>Mean ± standard deviation over seeds; beyond the training "
                         "lengths, the 95% Wilson interval of all seeds' answers pooled, and n.</p>")
            if any(NOT_CLEAN in str(column) for column in table.columns):
                parts.append(f"<p>{_e(NOT_CLEAN_NOTE)}</p>")
            kind = table["model"].map(lambda m: self.kinds.get(str(m).split(" ")[0], "learner"))
            for group, (heading, about) in KINDS.items():  # each group apart, as on the headline
                if (kind == group).any():
                    parts.append(f'<h3>{heading} <span class="about">{_e(about)}</span></h3>')
                    parts.append(_table(table[kind == group], link_models=True))
        parts.append(self.per_length(challenge_id))
        parts.append(self.exactness(challenge_id))
        curve_path = plots / f"{slug(challenge_id)}-curve.png"
        if len(self.curve) and plot_curve(self.curve, challenge_id, curve_path) is not None:
            needed = strings_needed(self.curve)
            parts.append(f'<h2>Strings needed</h2><img class="plot" alt="learning curves on '
                         f'{_e(challenge_id)}" src="../plots/{curve_path.name}">')  # fmt: skip
            if challenge_id in needed.index:
                parts.append(_table(needed.loc[[challenge_id]].reset_index(names="challenge")))
        return _page(challenge_id, "".join(parts), root="../")

    def per_length(self, challenge_id: str) -> str:
        """Model x length: mean accuracy over seeds; the pooled Wilson interval on hover."""

        rows = self.frame[self.frame["challenge"] == challenge_id]
        if rows.empty:
            return ""
        rows = rows[rows["version"] == rows["version"].max()]
        lengths = sorted(rows["length"].unique())
        trained = int(rows["max_train_length"].max())
        head = "".join(f'<th class="num{" beyond" if n > trained else ""}">{n}</th>' for n in lengths)
        body = []
        for model, group in rows.groupby("model", sort=False):
            cells = []
            by_length = dict(iter(group.groupby("length")))
            for length in lengths:
                at = by_length.get(length)
                if at is None:
                    cells.append("<td>–</td>")
                    continue
                low, high = wilson_interval(float((at["accuracy"] * at["n"]).sum()), int(at["n"].sum()))
                cells.append(f'<td class="num" title="95% Wilson [{100 * low:.1f}, {100 * high:.1f}] '
                             f'n={int(at["n"].sum())}">{100 * at["accuracy"].mean():.1f}</td>')  # fmt: skip
            body.append(f"<tr><th>{_model_link(model)}</th>{''.join(cells)}</tr>")
        return (f"<h2>Per length</h2><p>Accuracy (%), mean over seeds; lengths past {trained} "
                "(shaded) are beyond the training range. Hover for the interval.</p>"
                f'<div class="wide"><table><thead><tr><th>model</th>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table></div>")  # fmt: skip

    def exactness(self, challenge_id: str) -> str:
        """Per model and seed whose final form is a DFA: proven exact, or the counterexample."""

        rows = []
        for record in self.records:
            if record.get("challenge") != challenge_id or "equivalent" not in record:
                continue
            verdict = _VERDICTS[record.get("equivalent")]
            example = record.get("counterexample")
            note = record.get("equivalence_note") or ""
            rows.append((model_name(record), record.get("seed"), verdict, record.get("dfa_states", "-"),
                         "-" if example is None else repr(example), note))  # fmt: skip
        if not rows:
            return ""
        frame = pd.DataFrame(sorted(rows, key=lambda r: (str(r[0]), str(r[1]))),
                             columns=["model", "seed", "exactness", "DFA states", "counterexample", "note"])
        return ("<h2>Exactness</h2><p>Models whose final form is a DFA, compared with the minimal DFA on "
                "every well-formed string: the counterexample is the shortest string they disagree on.</p>"
                + _table(frame, link_models=True))  # fmt: skip

    # -- a model --------------------------------------------------------------------------------

    def model_page(self, model: str) -> str:
        records = [r for r in self.records if _name(r) == model]
        first = records[0] if records else {}
        kind = self.kinds.get(model, "learner")
        cls = MODELS.find(str(first.get("model")))
        if kind == "external":
            what = first.get("description") or "An external model: no description was given to score."
            sees = ("Not known to this package: the model was trained outside it and scored from its "
                    f"predictions ({first.get('model_config', {}).get('predictions', 'a file')}, sha256 "
                    f"{first.get('predictions_sha256', '?')}).")  # fmt: skip
        else:
            what = inspect.getdoc(cls) if cls is not None else "A model whose plugin is not loaded."
            sees = ("The challenge itself: the rule, its oracle and its automaton (a reference)."
                    if first.get("knows_rule") else
                    "A LearnerView -- the alphabet, the base, the training lengths -- and the labelled "
                    "training and validation strings; nothing else.")  # fmt: skip
        configs = {json.dumps(r.get("model_config", {}), sort_keys=True, indent=1) for r in records}
        counts = pd.Series([str(r.get("status")) for r in records]).value_counts()
        runs = f"{len(records)} ({', '.join(f'{n} {status}' for status, n in counts.items())})"
        parts = [f"<h1>{_e(model)}</h1>", _facts([("kind", f"{kind}: {KINDS[kind][1]}"), ("runs", runs)]),
                 f'<h2>What it is</h2><pre class="doc">{_e(what)}</pre>',
                 f"<h2>What it sees</h2><p>{_e(sees)}</p>",
                 "<h2>Configuration</h2>" + "".join(f"<pre>{_e(c)}</pre>" for c in sorted(configs))]
        rows = [(f'<a href="../challenges/{slug(c)}.html">{_e(c)}</a>', *self.cell(c, model)[:3:2])
                for c in dict.fromkeys(self.frame["challenge"]) if self.cell(c, model)[1] is not None]
        if rows:
            body = "".join(f'<tr><th>{link}</th><td class="num" title="{_e(hover)}">{_e(text)}</td></tr>'
                           for link, text, hover in rows)  # fmt: skip
            parts.append("<h2>Results</h2><p>Accuracy (%) at the longest tested length, mean over seeds "
                         f"(* = solved).</p><table><tbody>{body}</tbody></table>")  # fmt: skip
        unscored = not_scored(statuses(records))
        if unscored:
            parts.append("<h2>Not scored</h2><ul>" + "".join(f"<li>{_e(line)}</li>" for line in unscored)
                         + "</ul>")  # fmt: skip
        return _page(model, "".join(parts), root="../")


_VERDICTS = {True: "proven exact", False: "not exact", None: "not decided"}


def _name(record: dict[str, Any]) -> str:
    return model_name(record)


def _model_link(model: str, text: str | None = None) -> str:
    return f'<a href="../models/{slug(model)}.html">{_e(text or model)}</a>'


def _facts(pairs: list[tuple[str, Any]]) -> str:
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs) + "</dl>"


def _table(frame: pd.DataFrame, link_models: bool = False) -> str:
    """A DataFrame as an HTML table; model names link to their pages."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row):
            if link_models and column == "model":
                shown = _model_link(str(value).split(" ")[0], str(value))
            else:  # "mean ± std [low, high] n=N": the interval on a line of its own
                shown = _e(value).replace(" [", '<br><span class="ci">[', 1)
                shown += "</span>" if "<br>" in shown else ""
            cells.append(f"<td>{shown}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    rows = "".join(body)
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _page(title: str, body: str, root: str, script: str = "") -> str:
    nav = f'<nav><a href="{root}index.html">Leaderboard</a></nav>'
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)} · Hofstadter's number challenges</title><style>{_CSS}</style></head>"
            f"<body>{nav}<main>{body}</main>{f'<script>{script}</script>' if script else ''}"
            "</body></html>\n")  # fmt: skip


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1b1f23;
background:#fafbfc}main{max-width:1400px;margin:0 auto;padding:8px 24px 40px}
nav{background:#24292f;padding:8px 24px}nav a{color:#fff;text-decoration:none;font-weight:600}
h1{font-size:22px;margin:14px 0 6px}h2{font-size:17px;margin:26px 0 6px}
a{color:#0550ae}table{border-collapse:collapse;background:#fff;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:3px 7px;white-space:nowrap}
thead th{background:#f0f3f6;position:sticky;top:0}
th[data-col],#board thead th{cursor:pointer;user-select:none}
#board thead th.num{white-space:normal;min-width:4.5em;vertical-align:bottom}#board td{padding:3px 6px}
th.sorted-desc::after{content:" ▼";font-size:10px}th.sorted-asc::after{content:" ▲";font-size:10px}
td.num,th.num{text-align:right}td.solved{background:#dafbe1;font-weight:600}
tr.group th{background:#eaeef2;text-align:left;font-size:13px}.about{font-weight:400;color:#57606a}
tbody th{text-align:left;font-weight:500}th.beyond{background:#fff1e5}
.controls{margin:10px 0;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
.kinds label{margin-right:12px}
.wide{overflow-x:auto}img.plot{max-width:100%;border:1px solid #d0d7de;background:#fff}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:8px 0}dt{color:#57606a}dd{margin:0}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:8px;overflow-x:auto;font-size:12px}
pre.doc{white-space:pre-wrap;font:inherit;background:#fff}h3{font-size:14px;margin:14px 0 2px}
.ci{color:#57606a;font-size:12px}
"""

# Sorting: a header click orders the rows of each group by that column (first click: best first).
# Filtering: the family list hides challenge columns; the kind boxes hide groups.
_SCRIPT = """
const board=document.getElementById('board');
board.querySelectorAll('thead th').forEach((th,col)=>{th.addEventListener('click',ev=>{
 if(ev.target.closest('a'))return;
 const desc=!th.classList.contains('sorted-desc');
 board.querySelectorAll('thead th').forEach(h=>h.classList.remove('sorted-desc','sorted-asc'));
 th.classList.add(desc?'sorted-desc':'sorted-asc');
 board.querySelectorAll('tbody').forEach(tb=>{
  const rows=[...tb.querySelectorAll('tr:not(.group)')];
  const key=r=>{const c=r.children[col];const v=c.dataset.v;
   return col===0?c.textContent:(v===undefined||v===''?-Infinity:parseFloat(v));};
  const up=col===0?desc:!desc;  // names A-Z first, figures best first
  rows.sort((a,b)=>{const x=key(a),y=key(b);const o=typeof x==='string'?x.localeCompare(y):x-y;
   return up?o:-o;});
  rows.forEach(r=>tb.appendChild(r));});});});
const family=document.getElementById('family');
family.addEventListener('change',()=>{board.querySelectorAll('[data-family]').forEach(c=>{
 c.style.display=!family.value||c.dataset.family===family.value?'':'none';});});
document.querySelectorAll('input[data-kind]').forEach(box=>box.addEventListener('change',()=>{
 board.querySelector('tbody[data-kind="'+box.dataset.kind+'"]').style.display=box.checked?'':'none';}));
"""


def _reuse_plots(previous: Path, staging: Path, wanted: set[str]) -> None:
    """Copy the previous site's plots that this site shows (``wanted``) and their keys into the
    staging folder, so that a plot whose rows did not change is not drawn again (a plot no page
    shows is left out, so it goes stale nowhere); links are skipped, never followed."""

    if not previous.is_dir() or previous.is_symlink():
        return
    for path in previous.iterdir():
        if path.name in wanted | {KEYS} and path.is_file() and not path.is_symlink():
            shutil.copy2(path, staging / path.name)
