"""One module per group of subcommands; each has ``register(subparsers)``.

A module adds its parsers with ``set_defaults(handler=fn)``; ``fn(args) -> int`` does the work.
"""

from hofstadter.commands import (
    conform_cmd,
    data,
    evaluate_cmd,
    explain_cmd,
    export_cmd,
    noise_cmd,
    reproduce_cmd,
    run_cmd,
    score_cmd,
)

COMMAND_MODULES = (
    data, evaluate_cmd, run_cmd, reproduce_cmd, noise_cmd, explain_cmd, export_cmd, score_cmd, conform_cmd
)
