"""What a lab is, as plain data: its texts, its topology, per-student parameters and the files
a student hands in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_KINDS = ("answers", "commands", "config", "script", "pcap", "pem")


@dataclass
class ParamSpec:
    """One per-student value: drawn from `choice`, or an integer/float `range` with a step."""

    name: str
    choice: list[Any] | None = None
    range: tuple[float, float] | None = None
    step: float = 1
    secret: bool = False  # what the student must find out (a rate, a loss): never shown to them
    line: int | None = None


@dataclass
class FileSpec:
    """A file the student hands in, and where it goes.

    answers:  a YAML mapping of measured values and choices.
    commands: lines `NODE COMMAND ARGS…`, as typed in the lab shell; only the `allow`ed commands.
    config:   a daemon's config replacing the one netdojo renders (`node`, `service`); checked
              by the daemon's own checker before it is used.  With `path` (which may hold
              ${param}s), it replaces that one file of the service, e.g. a BIND zone file,
              checked by that file's checker (named-checkzone).
    script:   run with sh on `node` with the student's parameters in the environment; with
              `output`, its standard output becomes that file (e.g. a measuring script that
              prints answers.yaml); files named in `makes` are those it writes into the
              folder $LAB_OUT.  What a script makes never replaces a file handed in.
    pcap:     a packet capture (tcpdump -w), the one binary kind; checked frame by frame.
    pem:      certificates and a private key (openssl's output); parsed, and passed to a daemon
              only as re-serialized from what parsed (labs/pem.py).
    """

    name: str
    kind: str
    node: str | None = None
    service: str | None = None
    path: str | None = None
    allow: list[str] = field(default_factory=list)
    output: str | None = None
    makes: list[str] = field(default_factory=list)
    optional: bool = False
    timeout: float = 60
    description: str = ""
    line: int | None = None


    @property
    def products(self) -> list[str]:
        """The files this script makes (its standard output's, then those in $LAB_OUT)."""
        return ([self.output] if self.output else []) + [m for m in self.makes
                                                         if m != self.output]


@dataclass
class Lab:
    id: str
    dir: Path
    title: dict[str, str]
    sections: list[str]
    topology: str  # a file in the lab folder, with ${param} placeholders
    parameters: list[ParamSpec]
    files: list[FileSpec]
    time_limit: float = 120
    summary: dict[str, str] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)  # "wifi": mac80211_hwsim (the lab VM)

    @property
    def source(self) -> str:
        return str(self.dir / "lab.yaml")

    def file(self, name: str) -> FileSpec:
        return next(f for f in self.files if f.name == name)

    def title_in(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]
