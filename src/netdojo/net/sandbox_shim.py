#!/usr/bin/python3
"""`netdojo` inside a student script's sandbox: exec, fail and restore, sent over the sandbox's
channel (net/sandbox_channel.py) with this process's stdin, stdout and stderr.  Standard
library only: it runs on the lab image's Python, not netdojo's."""

import json
import socket
import sys

SOCK = "/run/sandbox/ctl/sock"
USAGE = ("netdojo (inside a lab script): netdojo exec [--run ID] NODE -- COMMAND …, "
         "netdojo fail [--run ID] NODE|NODE-NODE, netdojo restore [--run ID] NODE|NODE-NODE|all")


def parse(argv):
    if not argv or argv[0] not in ("exec", "fail", "restore"):
        return None
    op, rest, run, words = argv[0], argv[1:], None, []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--run" and i + 1 < len(rest):
            run, i = rest[i + 1], i + 2
            continue
        if a.startswith("--run="):
            run, i = a[len("--run="):], i + 1
            continue
        if a == "--":
            words += rest[i:]
            break
        if op == "exec" and words:  # the command starts right after the node
            words += rest[i:]
            break
        if a in ("-t", "-i", "-it"):  # a terminal is not available to a script; ignored
            i += 1
            continue
        words.append(a)
        i += 1
    if op == "exec":
        if not words or words[0] == "--":
            return None
        cmd = words[1:]
        if cmd and cmd[0] == "--":
            cmd = cmd[1:]
        return {"op": op, "run": run, "node": words[0], "argv": cmd} if cmd else None
    return {"op": op, "run": run, "target": words[0]} if len(words) == 1 else None


def main(argv):
    req = parse(argv)
    if req is None:
        print(USAGE, file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(SOCK)
    except OSError as e:
        print(f"netdojo: the lab is not reachable from here ({e})", file=sys.stderr)
        return 2
    sys.stdout.flush()
    socket.send_fds(s, [json.dumps(req).encode()], [0, 1, 2])
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    try:
        reply = json.loads(data.decode())
    except ValueError:
        print("netdojo: no answer from the lab", file=sys.stderr)
        return 2
    if reply.get("error"):
        print(f"netdojo: {reply['error']}", file=sys.stderr)
    return int(reply.get("code", 2))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
