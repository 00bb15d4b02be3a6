"""Score predictions made outside this package: a file of answers in, a run record out.

A model written in any framework enters the leaderboard like this: ``export`` the test strings,
answer each one, ``score`` the answers. The record is built by the code a ``run`` uses -- the
same test sets (:func:`challenges.evaluate.score`), the same metric fields, the same exactness
fields (:func:`hofstadter.experiment.exactness_fields`) -- so the tables give it the same Wilson
intervals and the same solved rule as every built-in model. It is marked as what it is: model
``external:NAME``, kind ``external``, and the sha256 of the predictions it was scored from.

Predictions (``read_predictions``) are one of:

* a JSON Lines file, one ``{"text": "...", "prediction": true}`` per test string (other keys,
  such as the ``label`` and ``length`` that ``export`` writes, are ignored);
* a CSV file with a header and the columns ``text`` and ``prediction``;
* a directory of files named as ``export`` names them, ``test-L<length>.jsonl`` (or, where there
  is no JSONL file, ``test-L<length>.csv``), each with a ``prediction`` column added.

A prediction is ``true``/``false`` (JSON booleans, or the words, any case), or ``1``/``0``.

A JSONL file may also carry the model's automaton as one line ``{"automaton": {...}}`` (or
``score --automaton dfa.json`` names a file holding it). The form, over the challenge's alphabet::

    {"states": ["even", "odd"],            # names (or a count n: the states are "0".."n-1")
     "alphabet": "01",                     # a string, or a list of one-symbol strings
     "start": "even",
     "accepting": ["even"],
     "transitions": {"even": {"0": "even", "1": "odd"}, "odd": {"0": "odd", "1": "even"}}}

It must be complete (a transition from every state on every symbol) and must answer every test
string as the predictions do; then it is proven like any built-in DFA
(:func:`baselines.automata.exactness.prove`), and the record says ``equivalent`` and ``counterexample``.

>>> dfa = automaton_from_json({"states": 2, "alphabet": "01", "start": 0, "accepting": [0],
...     "transitions": {"0": {"0": 0, "1": 1}, "1": {"0": 1, "1": 0}}}, alphabet="01")
>>> dfa.run_many(np.array(["11", "10", "0"])).tolist()
[True, False, True]
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from baselines.automata.dfa import DFA
from baselines.automata.exactness import ProofError, prove
from challenges.core import Challenge
from challenges.errors import InvalidArgument, InvalidInput, LimitExceeded, NonConformant
from challenges.evaluate import evaluation_set, score, scored_lengths
from hofstadter.evaluation_seeds import evaluation_seed
from hofstadter.experiment import exactness_fields
from hofstadter.limits import MAX_AUTOMATON_STATES, MAX_FILE_BYTES, MAX_LINE_BYTES, loads_json, read_bytes
from hofstadter.profiles import PLAN_FIELDS, Profile
from hofstadter.records import RECORD_SCHEMA, environment, json_safe

if TYPE_CHECKING:
    from baselines.automata.dfa import DFA

EXTERNAL = "external"  # the kind of a model scored from a file, and the prefix of its model id
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


@dataclass(frozen=True)
class Predictions:
    """Answers read from a file: text -> prediction, and what came with them."""

    answers: dict[str, bool]
    counts: Counter[str]  # rows per text: a test set may hold a short string twice, and so must this
    sha256: str  # of the file's bytes (a directory: of its files' names and sums)
    source: str  # the file or directory name, as given
    automaton: dict[str, Any] | None = None


def external_model_id(name: str) -> str:
    """``external:NAME``; NAME is a short plain name (it names a page of the site too).

    >>> external_model_id("my-lstm")
    'external:my-lstm'
    >>> external_model_id("a b")
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidArgument: --model-name 'a b' must be 1-64 letters, digits, '.', '_', '+' or '-'
    """
    if not _NAME.fullmatch(name):
        raise InvalidArgument(f"--model-name {name!r} must be 1-64 letters, digits, '.', '_', '+' or '-'")
    return f"{EXTERNAL}:{name}"


def read_predictions(path: Path) -> Predictions:
    """Read a JSONL or CSV file, or a directory of ``test-L*.jsonl``/``.csv`` files (see above)."""
    if path.is_dir():
        files = sorted(path.glob("test-L*.jsonl")) or sorted(path.glob("test-L*.csv"))
        if not files:
            raise InvalidInput(f"{path} holds no test-L<length>.jsonl or .csv file (as 'export' names them)")
        contents = [_file_bytes(f) for f in files]
        sums = "".join(f"{f.name} {hashlib.sha256(data).hexdigest()}\n" for f, data in zip(files, contents))
        sha256 = hashlib.sha256(sums.encode()).hexdigest()
    elif path.is_file():
        files, contents = [path], [_file_bytes(path)]
        sha256 = hashlib.sha256(contents[0]).hexdigest()
    else:
        raise InvalidInput(f"no predictions file or directory at {path}")
    answers: dict[str, bool] = {}
    counts: Counter[str] = Counter()
    automaton = None
    for file, data in zip(files, contents):
        for where, row in _rows(file, data):
            if "automaton" in row and "text" not in row:
                if automaton is not None:
                    raise InvalidInput(f"{where}: a second automaton (a file carries at most one)")
                automaton = row["automaton"]
                continue
            text, prediction = _text(row, where), _prediction(row, where)
            if answers.setdefault(text, prediction) != prediction:
                raise InvalidInput(f"{where}: {_show(text)} is answered both true and false")
            counts[text] += 1
    return Predictions(answers, counts, sha256, str(path), automaton)


def _file_bytes(file: Path) -> bytes:
    """A predictions file's bytes, within :data:`~hofstadter.limits.MAX_FILE_BYTES`."""
    try:
        return read_bytes(file, MAX_FILE_BYTES, "MAX_FILE_BYTES", "predictions file")
    except OSError as error:
        raise InvalidInput(f"cannot read predictions file {file}: {error.strerror or error}") from None


def _rows(file: Path, data: bytes):
    """(where, row) for each row of a JSONL or CSV file; a line that is no JSON object is refused.

    A byte-order mark, as spreadsheet programs write one, is dropped; a line or a CSV field past
    :data:`~hofstadter.limits.MAX_LINE_BYTES`, or JSON nested past ``MAX_JSON_DEPTH``, is refused.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text") from None
    if file.suffix.lower() == ".csv":
        yield from _csv_rows(file, text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = loads_json(line, f"{file}:{number}")
        except json.JSONDecodeError as error:
            raise InvalidInput(f"{file}:{number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise InvalidInput(f"{file}:{number}: expected an object with text and prediction")
        yield f"{file}:{number}", row


def _csv_rows(file: Path, text: str):
    """(where, row) of a CSV file with text and prediction columns; fields within MAX_LINE_BYTES."""
    previous = csv.field_size_limit(MAX_LINE_BYTES)  # the csv module's own default is 128 KiB
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not {"text", "prediction"} <= set(reader.fieldnames or ()):
            raise InvalidInput(f"{file}: the header must name the columns text and prediction")
        for number, row in enumerate(reader, start=2):
            yield f"{file}:{number}", row
    except csv.Error as error:
        where = f"{file}:{reader.line_num}"
        if "field larger than field limit" in str(error):
            raise LimitExceeded(f"{where}: a field longer than MAX_LINE_BYTES = {MAX_LINE_BYTES:,} "
                                "characters") from None  # fmt: skip
        raise InvalidInput(f"{where}: not CSV ({error})") from None
    finally:
        csv.field_size_limit(previous)


def _text(row: dict, where: str) -> str:
    text = row.get("text")
    if not isinstance(text, str):
        hint = " (write it as a JSON string: read as a number, long digit strings are altered)"
        raise InvalidInput(f"{where}: 'text' is {'missing' if text is None else repr(text)}, "
                           f"not a string{hint if isinstance(text, (int, float)) else ''}")  # fmt: skip
    return text


def _prediction(row: dict, where: str) -> bool:
    value = row.get("prediction")
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower() if isinstance(value, str) else None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise InvalidInput(f"{where}: 'prediction' must be true/false or 1/0, got {value!r}")


def benchmark_strings(challenge: Challenge, profile: Profile, eval_seed: int = 0) -> dict[int, np.ndarray]:
    """length -> the test strings ``run`` scores ``challenge`` on under ``profile``, for runs
    scored on ``eval_seed`` (see :mod:`hofstadter.evaluation_seeds`)."""

    size = profile.test_size_for(challenge)
    return {n: evaluation_set(challenge, n, size(n), eval_seed).texts for n in scored_lengths(challenge)}


def check_coverage(predictions: Predictions, expected: dict[int, np.ndarray], what: str) -> None:
    """Refuse, in one line, predictions that are not exactly one row per test row.

    A test set of short strings may hold one twice (there are only 90 two-digit numbers); the
    predictions then hold it twice too, as ``export`` writes it.

    >>> p = Predictions({"1": True, "3": False, "4": True, "x": True},
    ...                 Counter({"1": 1, "3": 2, "4": 1, "x": 1}), "", "p.jsonl")
    >>> try:
    ...     check_coverage(p, {1: np.array(["1", "2", "3", "4", "4"])}, "c (quick profile)")
    ... except InvalidInput as error:
    ...     print(*str(error).split("; "), sep="\\n")
    p.jsonl does not answer exactly the test strings of c (quick profile), 5 rows: 1 missing (first: '2')
    1 not a test string (first: 'x')
    1 more often than the test set holds it (first: '3')
    1 less often (first: '4')
    """
    wanted = Counter(t for texts in expected.values() for t in texts.tolist())
    given = predictions.counts
    missing = [t for t in wanted if t not in given]
    extra = [t for t in given if t not in wanted]
    more = [t for t in given if given[t] > wanted.get(t, given[t])]
    fewer = [t for t in wanted if 0 < given.get(t, 0) < wanted[t]]
    problems = [
        f"{sum(wanted[t] for t in missing)} missing (first: {_show(missing[0])})" if missing else "",
        f"{sum(given[t] for t in extra)} not a test string (first: {_show(extra[0])})" if extra else "",
        f"{sum(given[t] - wanted[t] for t in more)} more often than the test set holds it "
        f"(first: {_show(more[0])})" if more else "",
        f"{sum(wanted[t] - given[t] for t in fewer)} less often (first: {_show(fewer[0])})" if fewer else "",
    ]
    if any(problems):
        raise InvalidInput(
            f"{predictions.source} does not answer exactly the test strings of {what}, "
            f"{wanted.total():,} rows: {'; '.join(p for p in problems if p)}"
        )


def _show(text: str | None) -> str:
    """A string for an error line: long ones shortened in the middle."""
    text = str(text)
    return repr(text) if len(text) <= 40 else repr(f"{text[:18]}...{text[-18:]}") + f" ({len(text)} symbols)"


def automaton_from_json(data: Any, alphabet: str) -> DFA:
    """The DFA of the documented JSON form (module docstring), its columns in ``alphabet``'s order.

    Every field is checked for its type before it is used, and the states for their number
    (:data:`~hofstadter.limits.MAX_AUTOMATON_STATES`): a malformed automaton is one line, never a
    ``TypeError`` nor gigabytes of table.

    >>> automaton_from_json({"states": None, "alphabet": "01", "start": 0, "accepting": [],
    ...                      "transitions": {}}, "01")
    Traceback (most recent call last):
    ...
    challenges.errors.InvalidInput: automaton: 'states' must be a count or a list of names, got null
    """

    if not isinstance(data, dict):
        raise InvalidInput("automaton: expected an object with states, alphabet, start, accepting and "
                           "transitions")  # fmt: skip
    missing = [k for k in ("states", "alphabet", "start", "accepting", "transitions") if k not in data]
    if missing:
        raise InvalidInput(f"automaton: missing {', '.join(missing)}")
    names = _state_names(data["states"])
    index = {name: i for i, name in enumerate(names)}
    symbols = data["alphabet"]
    listed = isinstance(symbols, list) and all(isinstance(a, str) for a in symbols)
    if not (isinstance(symbols, str) or listed):
        raise InvalidInput(f"automaton: 'alphabet' must be a string or a list of symbols, got "
                           f"{_brief(symbols)}")  # fmt: skip
    if sorted(symbols) != sorted(alphabet) or len(index) != len(names):
        got = "".join(symbols)
        raise InvalidInput(f"automaton: alphabet must be the challenge's, {alphabet!r}, and states "
                           f"distinct and not empty; got alphabet {_show(got)}")  # fmt: skip

    def state(name: Any, what: str) -> int:
        if not _is_name(name) or str(name) not in index:
            shown = repr(name) if _is_name(name) and len(str(name)) <= 40 else _brief(name)
            raise InvalidInput(f"automaton: {what} {shown} is not one of the states")
        return index[str(name)]

    moves, accepting = data["transitions"], data["accepting"]
    if not isinstance(moves, dict):
        raise InvalidInput(f"automaton: 'transitions' must be an object, got {_brief(moves)}")
    if not isinstance(accepting, list):
        raise InvalidInput(f"automaton: 'accepting' must be a list of states, got {_brief(accepting)}")
    table = np.zeros((len(names), len(alphabet)), dtype=np.intp)
    for name in names:
        row = moves.get(name)
        for column, symbol in enumerate(alphabet):
            if not isinstance(row, dict) or symbol not in row:
                raise InvalidInput(f"automaton: state {_show(name)} has no transition on {symbol!r} "
                                   "(the automaton must be complete)")  # fmt: skip
            table[index[name], column] = state(row[symbol], f"transition target from {_show(name)}")
    chosen = frozenset(state(name, "accepting state") for name in accepting)
    return DFA(table, state(data["start"], "start state"), chosen, alphabet)


def _is_name(value: Any) -> bool:
    """A state's name: a string or a whole number (never a bool, a list or an object)."""
    return isinstance(value, str) or isinstance(value, int) and not isinstance(value, bool)


def _state_names(states: Any) -> list[str]:
    """The names of ``states`` (a count, or a list of names), at most MAX_AUTOMATON_STATES of them."""
    if isinstance(states, int) and not isinstance(states, bool):
        count = states
    elif isinstance(states, list) and all(_is_name(s) for s in states):
        count = len(states)
    else:
        raise InvalidInput(f"automaton: 'states' must be a count or a list of names, got {_brief(states)}")
    if count > MAX_AUTOMATON_STATES:
        raise LimitExceeded(f"automaton: {count:,} states; the limit is MAX_AUTOMATON_STATES = "
                            f"{MAX_AUTOMATON_STATES:,}")  # fmt: skip
    if count < 1:
        raise InvalidInput(f"automaton: 'states' must hold at least one state, got {_brief(states)}")
    return [str(i) for i in range(count)] if isinstance(states, int) else [str(s) for s in states]


def _brief(value: Any) -> str:
    """A JSON value for an error line, at most about 40 characters.

    >>> _brief(None), _brief("s"), _brief(list(range(30)))
    ('null', '"s"', '[0, 1, 2, 3, 4, 5, 6... 25, 26, 27, 28, 29] (110 characters)')
    """
    shown = json.dumps(value)
    return shown if len(shown) <= 40 else f"{shown[:20]}...{shown[-20:]} ({len(shown)} characters)"


class _Answers:
    """The external model as the scorer sees one: a lookup of its answers, maybe its DFA."""

    def __init__(self, answers: dict[str, bool], dfa: DFA | None) -> None:
        self.answers, self.dfa = answers, dfa

    def predict(self, texts: np.ndarray) -> np.ndarray:
        return np.array([self.answers[t] for t in texts.tolist()], dtype=bool)

    def prove_exact(self, challenge: Challenge):  # noqa: ANN201 - baselines.automata.exactness.Exactness
        return None if self.dfa is None else prove(self.dfa, challenge)


def external_key(challenge: Challenge, model: str, seed: int, profile: Profile) -> str:
    """The record's key: scoring the same name, seed and profile again replaces the older record."""
    identity = {"challenge": challenge.id, "version": challenge.version, "model": model, "seed": seed,
                "profile": {k: v for k, v in profile.to_dict().items() if k not in PLAN_FIELDS}}  # fmt: skip
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


def score_predictions(
    challenge: Challenge,
    predictions: Predictions,
    *,
    name: str,
    seed: int,
    profile: Profile,
    description: str | None = None,
) -> dict[str, Any]:
    """The run record of an external model's predictions (refused, in one line, if incomplete)."""

    model = external_model_id(name)
    eval_seed = evaluation_seed(seed)  # the strings run scores this kind of seed on
    what = f"{challenge.id} ({profile.name} profile, evaluation seed {eval_seed})"
    check_coverage(predictions, benchmark_strings(challenge, profile, eval_seed), what)
    dfa = None
    if predictions.automaton is not None:
        dfa = automaton_from_json(predictions.automaton, challenge.alphabet)
        texts = np.array(list(predictions.answers), dtype=np.str_)
        differ = np.flatnonzero(dfa.run_many(texts) != np.array(list(predictions.answers.values())))
        if len(differ):
            raise InvalidInput(f"the automaton answers {len(differ)} test string(s) otherwise than the "
                               f"predictions (first: {_show(str(texts[differ[0]]))})")  # fmt: skip
    answers = _Answers(predictions.answers, dfa)
    metrics = score(answers.predict, challenge, n=profile.test_size_for(challenge), seed=eval_seed)
    try:
        exactness = exactness_fields(answers, challenge, metrics)
    except ProofError as error:  # the rule and the test labels disagree: no record, one line
        raise NonConformant(str(error)) from None
    record = {
        "schema": RECORD_SCHEMA,
        "key": external_key(challenge, model, seed, profile),
        "challenge": challenge.id,
        "challenge_version": challenge.version,
        "model": model,
        "kind": EXTERNAL,
        "model_config": {"predictions": Path(predictions.source).name,
                         "predictions_sha256": predictions.sha256, "automaton": dfa is not None},  # fmt: skip
        "description": description,
        "predictions_sha256": predictions.sha256,
        "knows_rule": False,  # nothing says so; it is shown with the learners
        "seed": seed,
        "profile": profile.name,
        "train_lengths": list(challenge.train_lengths),
        "eval_seed": eval_seed,
        "metrics": [metric.to_dict() for metric in metrics],
        **exactness,
        "status": "ok",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }
    return json_safe(record)
