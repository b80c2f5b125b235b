"""The ``vault`` command line. Subcommands live in ``vault_pipelines.commands``, one module per
area; heavy imports happen inside the handlers so ``vault --help`` stays fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from vault_pipelines.commands import audit, demo, erasure, mlflow, registry, storage, webhooks


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(prog="vault", description="Operate a vault.")
    parser.add_argument("--home", help="vault home (default: $VAULT_HOME or .vault_home)")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (demo, registry, storage, webhooks, audit, erasure, mlflow):
        module.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vault`` console script."""
    args = build_parser().parse_args(argv)
    from vault_core.exceptions import VaultError

    try:
        return int(args.handler(args))
    except VaultError as exc:
        print(f"vault: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `vault ... | head`: the reader left; exit quietly like other Unix tools. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
