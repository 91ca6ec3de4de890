"""`netdojo images|doctor`: the lab images, and what this host offers."""

from __future__ import annotations

import argparse

from netdojo.cli.common import need_root
from netdojo.net import images, self_image
from netdojo.net.doctor import report


def cmd_images(a: argparse.Namespace) -> int:
    if a.action == "build" and a.self:
        need_root()
        took = self_image.build(log=lambda m: print(m, flush=True))
        print(f"{self_image.SELF_IMAGE} ready in {took:.1f} s; run it with:\n  "
              + " ".join(self_image.run_argv(workdir="$PWD")) + " lab check arp-routing")
    elif a.action == "build":
        need_root()
        times = images.build(log=lambda m: print(m, flush=True), no_cache=a.no_cache)
        print(f"images ready: base {times['base_s']:.1f} s, {images.NODE_IMAGE} "
              f"{times['node_s']:.1f} s")
    for row in images.listing():
        print(f"{row['image']:32} {row['size']:>10}  {row['created']}")
    return 0


def cmd_doctor(a: argparse.Namespace) -> int:
    need_root()

    print(report())
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("images", help="build (what is missing) or list the lab images")
    s.add_argument("action", choices=["build", "list"])
    s.add_argument("--no-cache", action="store_true")
    s.add_argument("--self", action="store_true",
                   help="build: netdojo itself as an image (netdojo/netdojo), for Docker "
                        "Desktop and hosts where installing it is hard")
    s.set_defaults(func=cmd_images)

    s = sub.add_parser("doctor", help="what this host offers and which backend each uses")
    s.set_defaults(func=cmd_doctor)
