"""Networks trained to be read as automata: the linear RNN, the soft automaton, the
state-regularised GRUs (``sr-gru``, ``sr-so-gru``), and ``neural-select``, which lets validation
choose among them."""
