"""What the networks share: the training loop and checkpoints, the adapter to the model protocol,
strings to tensors, memory and thread checks, and hidden states for ``explain``."""
