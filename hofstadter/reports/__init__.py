"""Reports from records, split by what they make.

* :mod:`~hofstadter.reports.default_cells` -- which records a board shows (a profile's default
  cells; other versions, variants and sizes named apart);
* :mod:`~hofstadter.reports.tables` -- pure tables: records in, DataFrames out;
* :mod:`~hofstadter.reports.plots` -- accuracy-versus-length and learning-curve figures;
* :mod:`~hofstadter.reports.leaderboard` -- LEADERBOARD.md, leaderboard.csv and the plots, written;
* :mod:`~hofstadter.reports.site` -- the static leaderboard site;
* :mod:`~hofstadter.reports.terminal_table` -- the headline within 80 columns, for the terminal;
* :mod:`~hofstadter.reports.hidden_state_plot` and :mod:`~hofstadter.reports.conformance_report` --
  ``explain``'s picture and ``conform``'s report.
"""
