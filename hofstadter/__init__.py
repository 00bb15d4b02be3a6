"""The bench: runs challenges x models x seeds, keeps the records, writes the reports.

The house has three layers, each importing only the ones below it:

* :mod:`challenges` -- the data: challenges, their oracles and samplers, splits, the sample cache,
  conformance checks, scoring against test sets. It imports neither torch nor :mod:`baselines`.
* :mod:`baselines` -- the contestants: the model protocol and its information wall, the learners,
  the references, model specs (``gru:hidden_size=128``), proofs of exactness.
* :mod:`hofstadter` -- this package: profiles, the runner (:mod:`hofstadter.run`), the results
  store, executors, plugins, ``explain``, ``score``, the reports (:mod:`hofstadter.reports`) and the
  command line (:mod:`hofstadter.cli`; ``python -m challenges`` and ``python -m hofstadter`` both
  run it).
"""
