"""`evalctl`: the command line, on the same store (EVAL_DATABASE_URL) and clock (EVAL_NOW) as
the service. Each command exits non-zero with a one-line reason on failure."""

from __future__ import annotations

import typer

from service.bootstrap import bootstrap
from service.demo import load_demo

app = typer.Typer(help="评优台账 Evaluation Ledger command line", no_args_is_help=True)


@app.callback()
def _root() -> None:
    """Commands working on the configured store."""


@app.command()
def demo() -> None:
    """Load a small demonstration county into the configured store (once)."""
    container = bootstrap()
    try:
        typer.echo(load_demo(container.ledger))
    finally:
        container.close()


def main() -> None:
    app()
