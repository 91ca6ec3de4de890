"""OpenSSH server in a container node, with password users for the lab.  Settings:

    ssh: {users: {student: netdojo}}
"""

from __future__ import annotations

import re

from netdojo.services.base import Service

CONF = "/etc/netdojo/sshd_config"
PASSWORDS = "/etc/netdojo/ssh-passwords.secret"  # fed to chpasswd, then removed
LOG = "/var/log/netdojo-sshd.log"  # no syslog in a container: sshd -E writes its log here


class Ssh(Service):
    name = "ssh"
    phase = 1
    config_path = CONF

    def render(self) -> None:
        self.allow("users")
        users = self.settings.get("users") or {"student": "netdojo"}
        if not isinstance(users, dict):
            raise self.fail("'users' maps user name → password")
        for u in users:
            if not re.match(r"^[a-z_][a-z0-9_-]{0,30}$", str(u)):
                raise self.fail(f"user name {u!r} is not a valid login")
        self.users = {str(k): str(v) for k, v in users.items()}
        self.files = {PASSWORDS: "".join(f"{u}:{p}\n" for u, p in self.users.items()),
                      CONF: "Port 22\nListenAddress 0.0.0.0\nPasswordAuthentication yes\n"
                            "KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin no\n"
                            "PidFile /run/sshd.pid\nSubsystem sftp /usr/lib/openssh/sftp-server\n"}

    def check_argv(self) -> list[str]:
        return ["sh", "-c", f"ssh-keygen -A >/dev/null && sshd -t -f {CONF}"]

    def start_argv(self) -> list[str]:
        setup = self.add_users_sh(self.users)
        return ["sh", "-c", f"{setup} && chpasswd < {PASSWORDS} && rm -f {PASSWORDS} && "
                f"mkdir -p /run/sshd && /usr/sbin/sshd -f {CONF} -E {LOG}"]

    def ready(self) -> bool:
        return self.listening(22)

    def log(self) -> str:
        """sshd's own log: each login accepted or refused, the client's address, the key."""
        return self.sh(["sh", "-c", f"cat {LOG} 2>/dev/null; true"]).stdout
