"""Structured learners: a learner over an encoding built by hand -- the column automaton, which
reads equations as aligned digit columns. Shown apart from the learners in every table."""
