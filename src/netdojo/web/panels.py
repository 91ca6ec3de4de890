"""Service panels: what each node's daemons are doing, read live from the daemons themselves —
the NAT's connection table, the DHCP server's leases, HAProxy's view of its backends, the DNS
server's zones.  One probe per container node per refresh (a single `sh` in the node); what it
prints is parsed by pure functions, tested alone."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from typing import Any

from netdojo.net.network import Network

# Each part runs only if its daemon runs; "@@name" lines split the output.
PROBE = r"""
echo "@@ps"; ps -eo comm= | sort -u | tr '\n' ' '; echo
if pgrep -x haproxy >/dev/null; then echo "@@haproxy"
  for s in /run/netdojo-haproxy.sock /run/haproxy/admin.sock; do
    [ -S "$s" ] && { echo "show stat" | socat -t 2 stdio "unix-connect:$s"; break; }; done; fi
if pgrep -x kea-dhcp4 >/dev/null; then echo "@@kea"
  cat /var/lib/kea/netdojo-leases4.csv /var/lib/kea/kea-leases4.csv 2>/dev/null; fi
if nft list ruleset 2>/dev/null | grep -qE 'masquerade|dnat|snat'; then echo "@@nat"
  conntrack -L 2>/dev/null | head -n 40; fi
if pgrep -x named >/dev/null; then echo "@@named"
  for z in /etc/netdojo/dns/db.*; do [ -f "$z" ] && echo "${z##*/db.} $(grep -cE ' IN ' "$z")"; done
  echo "@@queries"; tail -n 12 /var/cache/bind/queries.log 2>/dev/null; fi
if [ -f /var/log/web-access.log ]; then echo "@@http"; tail -n 500 /var/log/web-access.log; fi
if [ -f /var/log/postfix.log ]; then echo "@@postfix"; tail -n 200 /var/log/postfix.log; fi
if [ -f /var/log/netdojo-sshd.log ]; then echo "@@sshd"; tail -n 200 /var/log/netdojo-sshd.log; fi
true
"""


def split_probe(text: str) -> dict[str, str]:
    parts: dict[str, list[str]] = {}
    cur = None
    for line in text.splitlines():
        if line.startswith("@@"):
            cur = line[2:].strip()
            parts[cur] = []
        elif cur is not None:
            parts[cur].append(line)
    return {k: "\n".join(v).strip() for k, v in parts.items()}


def haproxy_rows(csv_text: str) -> list[dict[str, str]]:
    """`show stat` CSV → one row per backend server and per backend, with health state."""
    text = csv_text.lstrip("# ")
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        if r.get("svname") in ("FRONTEND",) or not r.get("pxname"):
            continue
        if r["pxname"] == "stats":
            continue
        rows.append({"backend": r["pxname"], "server": r["svname"],
                     "status": r.get("status", ""), "check": r.get("check_status", ""),
                     "active": r.get("scur", ""), "total": r.get("stot", ""),
                     "errors": r.get("eresp", "") or "0"})
    return rows


def lease_rows(csv_text: str) -> list[dict[str, str]]:
    rows = []
    for r in csv.DictReader(io.StringIO(csv_text)):
        if r.get("address") and r.get("address") != "address":
            exp = r.get("expire", "")
            if exp.isdigit():  # Kea writes seconds since the epoch
                exp = time.strftime("%H:%M:%S UTC", time.gmtime(int(exp)))
            rows.append({"address": r["address"], "mac": r.get("hwaddr", ""),
                         "host": r.get("hostname", ""), "expires": exp})
    return rows


def conntrack_rows(text: str) -> list[dict[str, str]]:
    """`conntrack -L` lines → protocol, original and reply tuples (the translation shows as a
    reply that does not mirror the original)."""
    rows = []
    for line in text.splitlines():
        f = line.split()
        if not f or "=" not in line:
            continue
        kv = [x.split("=", 1) for x in f if "=" in x]
        src = [v for k, v in kv if k == "src"]
        dst = [v for k, v in kv if k == "dst"]
        dport = [v for k, v in kv if k == "dport"]
        sport = [v for k, v in kv if k == "sport"]
        if len(src) < 2 or len(dst) < 2:
            continue
        state = next((x for x in f[1:] if re.fullmatch(r"[A-Z_]{3,}", x)), "")
        orig = f"{src[0]}:{sport[0] if sport else ''} → {dst[0]}:{dport[0] if dport else ''}"
        reply = f"{src[1]}:{sport[1] if len(sport) > 1 else ''} → " \
                f"{dst[1]}:{dport[1] if len(dport) > 1 else ''}"
        rows.append({"proto": f[0], "state": state, "original": orig, "reply": reply})
    return rows


QUERY = re.compile(r"^(?P<time>\S+ \S+) .*?client .*?(?P<client>[\d.]+)#\d+ .*?query: "
                   r"(?P<name>\S+) IN (?P<type>\S+)")
REQUEST = re.compile(r"\] (?P<client>[\d.]+):\d+ .*?\"(?P<method>[A-Z]+) (?P<path>\S+) "
                     r"(?P<proto>[\d.]+)\" (?P<status>\d{3})")


def query_rows(text: str) -> list[dict[str, str]]:
    """BIND's query log, newest last: time, client, name, type."""
    return [{"time": m["time"].split()[-1][:12], "client": m["client"], "name": m["name"],
             "type": m["type"]} for m in map(QUERY.search, text.splitlines()) if m]


def http_summary(text: str) -> tuple[dict[str, int], list[dict[str, str]]]:
    """hypercorn's access log: requests per HTTP version, and the last few requests."""
    per: dict[str, int] = {}
    rows = []
    for m in map(REQUEST.search, text.splitlines()):
        if not m:
            continue
        version = "HTTP/" + m["proto"]
        per[version] = per.get(version, 0) + 1
        rows.append({"client": m["client"], "request": f"{m['method']} {m['path']}",
                     "version": version, "status": m["status"]})
    return per, rows[-8:]


# Postfix: a mail taken in (qmgr from=…), handed to a mailbox (local to=… status=…), or refused
# before it was queued (NOQUEUE: reject: RCPT from …[client]: code …; from=<…> to=<…>)
MAIL_CLIENT = re.compile(r"postfix/smtpd\[\d+\]: (?P<id>\w+): client=\S*\[(?P<client>[\d.]+)\]")
MAIL_FROM = re.compile(r"postfix/qmgr\[\d+\]: (?P<id>\w+): from=<(?P<sender>[^>]*)>")
MAIL_TO = re.compile(r"postfix/\w+\[\d+\]: (?P<id>\w+): to=<(?P<to>[^>]*)>.*?"
                     r"status=(?P<status>\w+)(?: \((?P<why>[^)]*)\))?")
MAIL_REJECT = re.compile(r"NOQUEUE: reject: RCPT from \S*\[(?P<client>[\d.]+)\]: "
                         r"(?P<why>\d{3} [^;]*);.*?from=<(?P<sender>[^>]*)> to=<(?P<to>[^>]*)>")
LOGIN = re.compile(r"(?P<result>Accepted|Failed) (?P<method>password|publickey) for "
                   r"(?:invalid user )?(?P<user>\S+) from (?P<client>[\d.]+) port \d+"
                   r"(?: ssh2: \S+ (?P<key>SHA256:\S+))?")


def mail_rows(text: str) -> list[dict[str, str]]:
    """Postfix's log, newest last: each mail's sender, recipient and what became of it."""
    clients: dict[str, str] = {}
    senders: dict[str, str] = {}
    rows = []
    for line in text.splitlines():
        if m := MAIL_CLIENT.search(line):
            clients[m["id"]] = m["client"]
        elif m := MAIL_FROM.search(line):
            senders[m["id"]] = m["sender"]
        elif m := MAIL_TO.search(line):
            rows.append({"client": clients.get(m["id"], ""), "from": senders.get(m["id"], ""),
                         "to": m["to"],
                         "status": m["status"] + (f" ({m['why']})" if m["why"] else "")})
        elif m := MAIL_REJECT.search(line):
            rows.append({"client": m["client"], "from": m["sender"], "to": m["to"],
                         "status": f"refused: {m['why']}"})
    return rows[-8:]


def login_rows(text: str) -> list[dict[str, str]]:
    """sshd's log, newest last: who logged in (or failed to), how, and from where."""
    return [{"user": m["user"], "client": m["client"], "method": m["method"],
             "result": m["result"].lower() + (f" ({m['key']})" if m["key"] else "")}
            for m in map(LOGIN.search, text.splitlines()) if m][-8:]


def panels_from_probe(node: str, text: str) -> list[dict[str, Any]]:
    parts = split_probe(text)
    out: list[dict[str, Any]] = []
    if "haproxy" in parts:
        out.append({"node": node, "kind": "haproxy", "title": "load balancer: backends",
                    "rows": haproxy_rows(parts["haproxy"])})
    if "kea" in parts:
        out.append({"node": node, "kind": "dhcp", "title": "DHCP leases",
                    "rows": lease_rows(parts["kea"])})
    if "nat" in parts:
        out.append({"node": node, "kind": "nat", "title": "NAT: tracked connections",
                    "rows": conntrack_rows(parts["nat"])})
    if "named" in parts:
        zones = [ln.split() for ln in parts["named"].splitlines() if ln.strip()]
        if zones:
            out.append({"node": node, "kind": "dns", "title": "DNS zones (authoritative)",
                        "rows": [{"zone": z[0], "records": z[1] if len(z) > 1 else ""}
                                 for z in zones]})
        else:
            out.append({"node": node, "kind": "resolver", "title": "DNS resolver (recursive, "
                        "no zones of its own)", "rows": []})
        out.append({"node": node, "kind": "dns_queries", "title": "DNS: the last queries",
                    "rows": query_rows(parts.get("queries", ""))})
    if "http" in parts:
        per, last = http_summary(parts["http"])
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(per.items())) or "none yet"
        out.append({"node": node, "kind": "http", "title": f"web server: requests by version "
                    f"({counts}; the last 500 log lines)", "rows": last})
    if "postfix" in parts:
        out.append({"node": node, "kind": "mail", "title": "mail exchanger (Postfix): the last "
                    "mails", "rows": mail_rows(parts["postfix"])})
    if "sshd" in parts:
        out.append({"node": node, "kind": "ssh", "title": "SSH server: the last logins",
                    "rows": login_rows(parts["sshd"])})
    return out


def read_panels(net: Network, timeout: float = 5) -> list[dict[str, Any]]:
    """Every container node's panels (namespace nodes run no daemons of their own)."""
    out: list[dict[str, Any]] = []
    for name, node in net.topo.nodes.items():
        if node.kind != "container":
            continue
        try:
            r = subprocess.run(net.exec_argv(name, ["sh", "-c", PROBE]), capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            out.append({"node": name, "kind": "error", "title": "no answer", "rows": []})
            continue
        out += panels_from_probe(name, r.stdout)
    return out
