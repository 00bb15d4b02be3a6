"""The headline leaderboard as plain text that fits a terminal or a CI log (80 columns).

``run`` ends with this table: challenges down, models across, accuracy at the longest tested
length. Model ids head the columns when they fit; otherwise the columns are lettered and a legend
names them, and past that the columns go in blocks -- never a table that wraps mid-row.

>>> import pandas as pd
>>> table = pd.DataFrame({"fsa": ["100.0 *", "n/a"], "gru": ["48.3", "51.0"]},
...                      index=["div3-base10", "add-base2"])
>>> print(fit_headline(table))
accuracy (%) at the longest tested length, mean over seeds; * = solved
challenge     fsa   gru
div3-base10  100*  48.3
add-base2       -  51.0
"""

from __future__ import annotations

import string

import pandas as pd

from hofstadter.reports.tables import OVER_BUDGET

TITLE = "accuracy (%) at the longest tested length, mean over seeds; * = solved"


def short_cell(value: object) -> str:
    """``'100.0 *'`` -> ``'100*'``, ``'48.3'`` stays, ``'n/a'`` -> ``'-'``, ``'over budget'`` -> ``'over'``.

    >>> [short_cell(v) for v in ("100.0 *", "99.7 *", "48.3", "n/a", "over budget")]
    ['100*', '99.7*', '48.3', '-', 'over']
    """
    text = str(value)
    if text in ("n/a", "nan", "", "-"):
        return "-"
    if text == OVER_BUDGET:
        return "over"
    solved = text.endswith("*")
    number = text.rstrip("* ").strip()
    if number == "100.0":
        number = "100"
    return number + ("*" if solved else "")


def column_codes(count: int) -> list[str]:
    """``a``, ``b``, ... ``z``, ``aa``, ``ab``, ...: short column heads.

    >>> column_codes(3), column_codes(28)[-2:]
    (['a', 'b', 'c'], ['aa', 'ab'])
    """
    letters = string.ascii_lowercase
    codes = []
    for i in range(count):
        code, i = "", i + 1
        while i:
            i, rest = divmod(i - 1, 26)
            code = letters[rest] + code
        codes.append(code)
    return codes


def fit_headline(table: pd.DataFrame, width: int = 80, title: str = TITLE) -> str:
    """``table`` (challenges x models of strings) as text no wider than ``width`` columns."""
    if table.empty:
        return "no results to show"
    cells = table.map(short_cell)
    rows = [str(i) for i in cells.index]
    label = max(len("challenge"), *map(len, rows))
    heads = [str(c) for c in cells.columns]
    content = [max(map(len, cells.iloc[:, c])) for c in range(len(heads))]
    lines = [title]
    if label + sum(max(len(h), w) + 2 for h, w in zip(heads, content)) <= width:
        lines += _block(cells, rows, heads, list(range(len(heads))), label)
        return "\n".join(lines)
    codes = column_codes(len(heads))
    gap = 2 if label + sum(max(len(c), w) + 2 for c, w in zip(codes, content)) <= width else 1
    per_block = max(1, (width - label) // 6)  # a cell is at most 5 characters, plus 1 space
    for start in range(0, len(heads), per_block):
        chosen = list(range(start, min(start + per_block, len(heads))))
        if start:
            lines.append("")
        lines += _block(cells, rows, [codes[i] for i in chosen], chosen, label, gap=gap)
    lines.append("")
    lines += _legend([f"{codes[i]}={h}" for i, h in enumerate(heads)], width)
    return "\n".join(lines)


def _block(
    cells: pd.DataFrame, rows: list[str], heads: list[str], columns: list[int], label: int, gap: int = 2
) -> list[str]:
    widths = [max(len(h), *(len(cells.iat[r, c]) for r in range(len(rows)))) for h, c in zip(heads, columns)]
    pad = " " * gap
    out = ["challenge".ljust(label) + "".join(pad + h.rjust(w) for h, w in zip(heads, widths))]
    for r, row in enumerate(rows):
        values = [cells.iat[r, c] for c in columns]
        out.append(row.ljust(label) + "".join(pad + v.rjust(w) for v, w in zip(values, widths)))
    return out


def _legend(entries: list[str], width: int) -> list[str]:
    """Legend entries joined by two spaces, wrapped at ``width`` between entries only."""
    lines, line = [], ""
    for entry in entries:
        candidate = f"{line}  {entry}" if line else entry
        if line and len(candidate) > width:
            lines.append(line)
            candidate = entry
        line = candidate
    return lines + ([line] if line else [])
