"""Command line: `netdojo up|down|status|exec|measure|verify|doctor|validate`."""

from netdojo.cli.main import main

__all__ = ["main"]
