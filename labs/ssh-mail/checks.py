"""Checks of the ssh-mail lab: a key login through gw's port forward, read from srv's own sshd
log, srv's authorized_keys and gw's conntrack; the client address srv saw; the domain's mail
exchangers as ns1 gives them; and one mail delivered to the preferred exchanger only, read from
the exchangers' mailboxes and ns1's query log."""

from __future__ import annotations

import re
import time

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed

GW_OUT = "192.0.2.1"
QUERY_LOG = "/var/cache/bind/queries.log"


def _pc(ctx) -> str:
    return f"192.0.2.{ctx.params['pc_host']}"


def exchangers(params: dict) -> dict[str, int]:
    """The domain's MX records: full name → preference."""
    d = params["domain"]
    return {f"mx1.{d}": int(params["mx1_pref"]), f"mx2.{d}": int(params["mx2_pref"])}


def preferred(params: dict) -> tuple[str, str]:
    """(the node the MX preferences choose, the other one): the lowest number wins."""
    return ("mx1", "mx2") if params["mx1_pref"] < params["mx2_pref"] else ("mx2", "mx1")


# ----- part 1: SSH through the port forward ------------------------------------------------------
@check(points=3, title="a key login to srv through gw's port forward, as srv's own log tells it",
       hint="Log in once with your password (ssh -p SSH_PORT USER@192.0.2.1) and append your "
            "public key (id_ed25519.pub) to ~/.ssh/authorized_keys on srv; then log in with "
            "`-i id_ed25519 -o PasswordAuthentication=no`.", needs=["login.sh"])
def key_login(ctx):
    user, pc = ctx.params["user"], _pc(ctx)
    log = ctx.service("srv", "ssh").log()
    accepted = re.findall(rf"Accepted publickey for {re.escape(user)} from ([\d.]+) port \d+ "
                          r"ssh2: \S+ (SHA256:\S+)", log)
    from_pc = [fp for ip, fp in accepted if ip == pc]
    listed = ctx.sh("srv", ["sh", "-c", f"ssh-keygen -lf /home/{user}/.ssh/authorized_keys "
                            "2>/dev/null; true"]).stdout
    in_keys = [fp for fp in from_pc if fp in listed]
    # the forward, as gw's conntrack holds it: pc → gw:ssh_port, answered by srv:22
    port, srv = ctx.params["ssh_port"], ctx.ip("srv")
    forwarded = any(f"src={pc}" in ln and f"dst={GW_OUT}" in ln and f"dport={port}" in ln
                    and f"src={srv}" in ln and "sport=22" in ln
                    for ln in ctx.service("gw", "nat").conntrack().splitlines())
    notes = [f"srv's log: {len(accepted)} key login(s), {len(from_pc)} from pc ({pc})",
             "the key is in authorized_keys" if in_keys else "no key that logged in is in "
             f"/home/{user}/.ssh/authorized_keys",
             f"gw forwarded {GW_OUT}:{port} to srv:22" if forwarded
             else f"gw's conntrack shows no connection {pc} → {GW_OUT}:{port} → srv:22"]
    return partial(bool(from_pc) + bool(in_keys) + forwarded, 3, "; ".join(notes))


@check(points=1, title="the client address srv's log shows for your login",
       hint="Read it in srv's log (`srv tail /var/log/netdojo-sshd.log`) or in SSH_CLIENT inside "
            "the session.  A port forward rewrites the destination of a packet, not its source.",
       needs=["answers.yaml"])
def seen_from(ctx):
    said = str(ctx.answers().get("seen_from") or "").strip()
    if not said:
        raise CheckFailure("answers.yaml: seen_from — fill it in")
    right = said == _pc(ctx)
    return (passed if right else failed)(
        f"seen_from {said}" + ("" if right else " — is that the address srv's log shows?"))


# ----- part 2: mail through the MX records -------------------------------------------------------
def _names(raw) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise CheckFailure("answers.yaml: exchangers: {FULL NAME: PREFERENCE, …} — fill it in")
    try:
        return {str(k).rstrip(".").lower(): int(v) for k, v in raw.items()}
    except (TypeError, ValueError):
        raise CheckFailure("answers.yaml: exchangers — each preference is a whole number "
                           "(e.g. mx9.example.test: 10)") from None


@check(points=2, title="your domain's mail exchangers and their preferences",
       hint="`pc dig MX YOUR_DOMAIN @ns1`: each answer is PREFERENCE NAME; give the names in "
            "full, as DNS does.", needs=["answers.yaml"])
def exchangers_known(ctx):
    said, want = _names(ctx.answers().get("exchangers")), exchangers(ctx.params)
    right = said == want
    return (passed if right else failed)(
        "exchangers " + ", ".join(f"{k} {v}" for k, v in sorted(said.items()))
        + ("" if right else " — not what ns1 answers for your domain's MX"))


def _mailbox(ctx, node: str, marker: str, wait: float) -> str:
    """The user's mailbox on an exchanger, polled until `marker` shows up or `wait` runs out
    (Postfix hands a mail to its local delivery a few milliseconds after SMTP's 250)."""
    smtp, deadline = ctx.service(node, "smtp"), time.monotonic() + wait
    while True:
        box = smtp.mailbox(ctx.params["user"])
        if marker in box or time.monotonic() > deadline:
            return box
        time.sleep(0.2)


@check(points=3, title="your mail, delivered to the exchanger the MX preferences choose",
       hint="The preferred exchanger has the LOWEST preference number.  Ask ns1 for the MX "
            "records, then for that exchanger's address, and send it the mail over SMTP "
            "(port 25).", needs=["send-mail.sh"])
def delivered(ctx):
    user, domain, pc = ctx.params["user"], ctx.params["domain"], _pc(ctx)
    best, _ = preferred(ctx.params)
    got = _mailbox(ctx, best, _marker(ctx), 5)
    arrived = _marker(ctx) in got and f"[{pc}]" in got  # Received: from … [the client's address]
    # the MX question, as ns1 logged it: a script that never asked DNS only guessed
    asked = re.search(rf"{re.escape(pc)}#\d+ \({re.escape(domain)}\): query: "
                      rf"{re.escape(domain)} IN MX", ctx.sh("ns1", ["cat", QUERY_LOG]).stdout,
                      re.I)
    notes = [f"{best} (preferred): " + ("your mail from pc is in " if arrived
                                        else "no mail with your subject for ")
             + f"{user}@{domain}",
             "ns1 was asked for the MX records" if asked
             else "ns1 was never asked for your domain's MX records from pc"]
    return (passed if arrived and asked else failed)("; ".join(notes))


def _marker(ctx) -> str:
    return f"Subject: netdojo-{ctx.params['token']}"


@check(points=1, title="one copy only: a backup exchanger gets nothing while the preferred one "
       "answers", hidden=True, hint="A mail server sends a mail once, to the most preferred "
       "exchanger that answers; the others are there for when it does not.",
       needs=["send-mail.sh"])
def one_copy(ctx):
    copies = {n: _mailbox(ctx, n, _marker(ctx), 5 if n == preferred(ctx.params)[0] else 0)
              .count(_marker(ctx)) for n in ("mx1", "mx2")}
    total = sum(copies.values())
    said = ", ".join(f"{n}: {c}" for n, c in copies.items())
    if total == 0:
        return failed("no copy of your mail arrived anywhere")
    return (passed if total == 1 else failed)(f"copies of your mail — {said}")
