"""Postfix: a mail exchanger that takes mail for one domain over SMTP and delivers it to local
mailboxes (mbox files under /var/mail), logging each step.  Settings:

    smtp: {domain: hanbit.test, users: [minji]}

It relays nothing: mail for any other domain is refused ("Relay access denied"), so a lab's
exchanger is never an open relay, and it has no route to the real internet anyway.
"""

from __future__ import annotations

import re

from netdojo.services.base import Service

CONF = "/etc/postfix/main.cf"
LOG = "/var/log/postfix.log"
SPOOL = "/var/mail"
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")


class Smtp(Service):
    name = "smtp"
    phase = 1
    config_path = CONF

    def render(self) -> None:
        self.allow("domain", "users")
        domain = str(self.settings.get("domain") or "").rstrip(".").lower()
        if not _NAME.match(domain):
            raise self.fail(f"'domain' must be a domain name such as hanbit.test, got {domain!r}")
        users = self.settings.get("users") or ["student"]
        if not isinstance(users, list) or not all(_USER.match(str(u)) for u in users):
            raise self.fail(f"'users' is a list of login names, got {users!r}")
        self.domain, self.users = domain, [str(u) for u in users]
        self.files = {CONF: "\n".join([
            "compatibility_level = 3.6",
            f"myhostname = {self.node}.{domain}",
            f"mydomain = {domain}",
            f"mydestination = {domain}, $myhostname, localhost",
            "inet_interfaces = all",
            "inet_protocols = ipv4",
            "mynetworks = 127.0.0.0/8",
            "relay_domains =",
            "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
            # no resolver is needed: the lab's client is named by its address in Received:
            # (a reverse lookup with no server to ask would stall every connection)
            "smtpd_peername_lookup = no",
            "alias_maps =",
            "alias_database =",
            f"mail_spool_directory = {SPOOL}",
            # no syslog in a container: Postfix's own postlogd writes the log (Postfix >= 3.4)
            f"maillog_file = {LOG}",
            "smtpd_banner = $myhostname ESMTP",
            "biff = no",
            "append_dot_mydomain = no",
            ""])}

    def check_argv(self) -> list[str]:
        return ["postfix", "check"]

    def start_argv(self) -> list[str]:
        setup = self.add_users_sh(self.users)
        return ["sh", "-c", f"{setup} && touch {LOG} && postfix start >/dev/null 2>&1"]

    def stop(self) -> None:
        self.sh(["sh", "-c", "postfix stop >/dev/null 2>&1; "
                 "while [ -e /var/spool/postfix/pid/master.pid ] && "
                 "kill -0 $(cat /var/spool/postfix/pid/master.pid) 2>/dev/null; "
                 "do sleep 0.05; done; true"])

    def ready(self) -> bool:
        return self.listening(25)

    def mailbox(self, user: str) -> str:
        """The user's mbox as delivered (empty when nothing came)."""
        return self.sh(["sh", "-c", f"cat {SPOOL}/{user} 2>/dev/null; true"]).stdout

    def log(self) -> str:
        return self.sh(["cat", LOG]).stdout
