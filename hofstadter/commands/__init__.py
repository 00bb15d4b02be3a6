"""One module per group of subcommands; each has ``register(subparsers)``.

A module adds its parsers with ``set_defaults(handler=fn)``; ``fn(args) -> int`` does the work.
:mod:`hofstadter.cli` lists them, in the order ``--help`` shows them; this package imports none of
them, so that a module outside the CLI (``hofstadter.api``) may use one command's helpers without
loading every command.
"""
