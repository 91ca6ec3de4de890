"""vsftpd: an anonymous, read-only FTP server with files of given sizes, for transfers big
enough to measure a path's throughput (the chapter's `ftp` test).  Settings:

    ftp: {files: {big.bin: 20}}      # name: size in MB (random bytes, so nothing compresses)
"""

from __future__ import annotations

from netdojo.services.base import Service

CONF = "/etc/netdojo/vsftpd.conf"
ROOT = "/srv/ftp"
PIDFILE = "/run/netdojo-vsftpd.pid"


class FtpServer(Service):
    name = "ftp"
    phase = 1
    config_path = CONF

    def render(self) -> None:
        self.allow("files")
        files = self.settings.get("files") or {"big.bin": 20}
        if not isinstance(files, dict) or not all(
                isinstance(v, int | float) and 0 < v <= 500 for v in files.values()):
            raise self.fail("files maps a name to its size in MB (0 < size <= 500), "
                            f"got {files!r}")
        self.sizes = {str(k): float(v) for k, v in files.items()}
        # Passive mode on a small port range: a client behind the lab's routers needs no
        # active-mode connection back to it.
        self.files = {CONF: "\n".join([
            "listen=YES", "listen_ipv6=NO", "background=NO",
            "anonymous_enable=YES", "no_anon_password=YES", f"anon_root={ROOT}",
            "local_enable=NO", "write_enable=NO", "seccomp_sandbox=NO",
            "pasv_enable=YES", "pasv_min_port=30000", "pasv_max_port=30100",
            "secure_chroot_dir=/var/run/vsftpd/empty", "xferlog_enable=YES",
            "vsftpd_log_file=/var/log/vsftpd.log", ""])}

    def start_argv(self) -> list[str]:
        make = " && ".join(
            f"head -c {int(mb * 1_000_000)} /dev/urandom > {ROOT}/{name}"
            for name, mb in self.sizes.items())
        return ["sh", "-c", f"mkdir -p {ROOT} /var/run/vsftpd/empty && {make} && "
                f"(vsftpd {CONF} >/var/log/vsftpd.out 2>&1 & echo $! > {PIDFILE})"]

    def stop(self) -> None:
        self.stop_pidfile(PIDFILE, children=True)

    def ready(self) -> bool:
        return self.listening(21)
