"""The lab VM's pure parts: which arguments of a remote command are files to send up or
outputs to bring back, the package list read from install.sh, and the known_hosts line."""

from __future__ import annotations

from pathlib import Path

from netdojo.vm import keys
from netdojo.vm.image import apt_packages
from netdojo.vm.remote import Target, plan_transfers
from netdojo.vm.state import VmDir


def test_named_files_go_up_and_outputs_come_back():
    here = {"labs/arp-routing/solution", "class"}
    args, ups, downs = plan_transfers(
        ["grade", "arp-routing", "class", "--workers", "2", "--out", "grades"], "/tmp/w",
        exists=here.__contains__)
    assert args == ["grade", "arp-routing", "/tmp/w/in0/class", "--workers", "2", "--out",
                    "/tmp/w/out0/grades"]
    assert ups == [(Path("class"), "/tmp/w/in0/class")]
    assert downs == [("/tmp/w/out0/grades", Path("grades"))]
    args, ups, _ = plan_transfers(["lab", "check", "arp-routing", "--dir",
                                   "labs/arp-routing/solution", "--out=rep"], "/w",
                                  exists=here.__contains__)
    assert args[-2:] == ["/w/in0/solution", "--out=/w/out0/rep"]
    # a lab's name is not a local file, so it is passed on as written
    assert args[2] == "arp-routing" and len(ups) == 1


def test_the_vm_gets_install_sh_packages_but_no_browser():
    pkgs = apt_packages()
    assert {"iproute2", "iperf3", "mininet", "tcpdump"} <= set(pkgs)
    assert "chromium" not in pkgs and not any(p.startswith("#") for p in pkgs)


def test_known_hosts_pins_the_vm_key_to_its_loopback_port(tmp_path):
    vm = VmDir(tmp_path)
    client, host = keys.ensure(vm)
    assert oct(client.private.stat().st_mode & 0o777) == "0o600"
    line = keys.known_hosts_line(host, 2222)
    assert line.startswith("[127.0.0.1]:2222 ssh-ed25519 ")
    import paramiko

    k = paramiko.Ed25519Key.from_private_key_file(str(host.private))
    assert line.split()[2] == k.get_base64()
    assert keys.ensure(vm)[0].public_line() == client.public_line()  # made once, then kept


def test_a_remote_host_is_user_at_host_and_non_root_goes_through_sudo():
    t = Target.host("alice@lab1.example", 2200)
    assert (t.user, t.hostname, t.port, t.netdojo) == ("alice", "lab1.example", 2200,
                                                       "sudo -n netdojo")
    assert Target.host("root@lab1").netdojo == "netdojo"
    import pytest

    from netdojo.errors import NetdojoError
    with pytest.raises(NetdojoError, match="USER@HOST"):
        Target.host("lab1")


def test_vm_commands_without_an_image_or_a_running_vm_say_what_to_do(tmp_path, capsys):
    from netdojo.cli.main import main

    assert main(["vm", "up", "--dir", str(tmp_path)]) == 2
    assert "run `netdojo vm build` first" in capsys.readouterr().err
    assert main(["vm", "run", "--dir", str(tmp_path), "--", "lab", "list"]) == 2
    assert "the VM is not running: netdojo vm up" in capsys.readouterr().err
    assert main(["vm", "status", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "netdojo vm build" in out and "not running" in out
    assert main(["vm", "down", "--dir", str(tmp_path)]) == 0
    assert "not running" in capsys.readouterr().out
