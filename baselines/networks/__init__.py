"""Networks that answer with their own forward pass: Elman, GRU and LSTM (``rnn``), the stack and
tape RNNs, the transformer, the place-attention checker, and the second-order GRU cell."""
