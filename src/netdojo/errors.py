"""Errors that reach the user as one clear line: what file, where, and what is wrong."""

from __future__ import annotations


class NetdojoError(Exception):
    """Any failure netdojo reports to the user (the CLI prints it and exits non-zero)."""


class SpecError(NetdojoError):
    """A topology or lab file is wrong; carries the file and line so the user can find it."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        where = source or "<topology>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class BuildError(NetdojoError):
    """The kernel or a tool refused to build part of the network."""
