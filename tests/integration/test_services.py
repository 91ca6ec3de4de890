"""Real daemons in containers on the emulated network, exercised with real clients:
Kea + dhclient, BIND (authoritative and recursive) + dig/nslookup, nftables NAT + curl,
HAProxy + curl, hypercorn over HTTP/1.0-1.1-2-3 + curl/ngtcp2, OpenSSH + paramiko."""

from __future__ import annotations

import collections
import socket
import subprocess
import time

import paramiko
import pytest

from netdojo import session
from netdojo.errors import NetdojoError
from netdojo.measure.http import curl, h3
from netdojo.net import containers, engine, netns
from netdojo.services.install import replace_config
from netdojo.topo.resolve import resolve

from .helpers import cli, snapshot, wait_until


def _docker_ready(caps) -> None:
    if not caps.docker:
        pytest.skip("no Docker engine answers (scripts/install-docker.sh starts one)")
    r = subprocess.run(["docker", "image", "inspect", "netdojo/node:latest"], capture_output=True)
    if r.returncode != 0:
        pytest.skip("image netdojo/node:latest is not built (scripts/build-images.sh)")


@pytest.fixture(scope="module")
def demo(caps):
    _docker_ready(caps)
    before = snapshot()
    net = session.up(resolve("services-demo"), detached=True)
    yield net
    net.run.teardown()
    assert snapshot() == before
    assert containers.labelled(net.run.id) == []


def sh(net, node, *cmd, input=None):
    return subprocess.run(net.exec_argv(node, list(cmd)), capture_output=True, text=True,
                          input=input, timeout=30)


def svc(net, node, name):
    return next(s for s in net.services if s.node == node and s.name == name)


# ----- DHCP ----------------------------------------------------------------------------------
def test_dhcp_lease_carries_the_configured_options(demo):
    lo, hi = (int(x.split(".")[-1]) for x in ("10.10.0.100", "10.10.0.150"))
    addr = svc(demo, "client1", "dhcp_client").address()
    assert addr and addr.startswith("10.10.0.") and lo <= int(addr.split(".")[3].split("/")[0]) <= hi
    assert svc(demo, "client2", "dhcp_client").address() == "10.10.0.77/24"  # reservation
    assert "default via 10.10.0.1" in sh(demo, "client1", "ip", "route").stdout
    lease = sh(demo, "client1", "cat", "/var/lib/dhcp/dhclient.eth0.leases").stdout
    assert f"domain-name-servers {demo.ip('res1')}" in lease
    assert 'domain-name "lab.example"' in lease
    leases = {row["address"]: row for row in svc(demo, "dhcp1", "dhcp").leases()}
    assert "10.10.0.77" in leases and leases["10.10.0.77"]["hostname"] == "client2"


# ----- DNS -----------------------------------------------------------------------------------
def dig(net, server, *args):
    return sh(net, "client1", "dig", "+time=2", "+tries=2", f"@{net.ip(server)}", *args).stdout


def test_bind_answers_authoritatively(demo):
    out = dig(demo, "dns1", "www.lab.example", "A")
    assert "flags: qr aa" in out
    assert "CNAME\tlb.lab.example." in out and demo.ip("lb") in out
    assert "10 mail.lab.example." in dig(demo, "dns1", "lab.example", "MX", "+short")
    assert "2001:db8::80" in dig(demo, "dns1", "lb.lab.example", "AAAA", "+short")
    assert "web1.lab.example." in dig(demo, "dns1", "-x", demo.ip("web1"), "+short")


def test_resolver_recurses_from_the_lab_root(demo):
    out = dig(demo, "res1", "web2.lab.example")
    assert " ra" in out.split("flags:")[1].split(";")[0]
    assert "aa" not in out.split("flags:")[1].split(";")[0]  # it is not the authority
    assert demo.ip("web2") in out
    assert "dns1.lab.example." in dig(demo, "res1", "-x", demo.ip("dns1"), "+short")
    r = sh(demo, "client1", "nslookup", "web3.lab.example", demo.ip("res1"))
    assert r.returncode == 0 and demo.ip("web3") in r.stdout


# ----- NAT -----------------------------------------------------------------------------------
def test_private_side_reaches_the_internet_from_the_nat_address(demo):
    r = curl(demo, "client1", "http://192.0.2.80/whoami")
    assert r.status == 200 and '"client": "192.0.2.1"' in r.body  # masqueraded
    assert "dst=192.0.2.80" in svc(demo, "nat", "nat").conntrack()
    # the internet host has no route back into the private range
    r = sh(demo, "inet", "curl", "-s", "--max-time", "2", f"http://{demo.ip('web1')}/")
    assert r.returncode != 0


def test_port_forward_reaches_inside(demo):
    r = curl(demo, "inet", "http://192.0.2.1/whoami")
    assert r.status == 200 and r.backend in {"web1", "web2", "web3"}


# ----- HAProxy -------------------------------------------------------------------------------
def test_haproxy_spreads_and_drops_a_dead_backend(demo):
    lb = svc(demo, "lb", "haproxy")
    seen = collections.Counter(curl(demo, "client1", "http://lb/whoami").backend
                               for _ in range(12))
    assert set(seen) == {"web1", "web2", "web3"} and max(seen.values()) <= 6
    # stop web3's server: the active check (inter 500 ms, fall 2) marks it DOWN
    web3 = svc(demo, "web3", "http")
    web3.stop()
    t0 = time.monotonic()
    wait_until(lambda: not next(s for s in lb.servers() if s.server == "web3").up, 10,
               "web3 DOWN in the runtime API")
    assert time.monotonic() - t0 < 5
    answers = [curl(demo, "client1", "http://lb/whoami") for _ in range(9)]
    assert all(r.status == 200 for r in answers) and "web3" not in {r.backend for r in answers}
    # restore: start it again and wait for rise
    web3.restart()
    wait_until(lambda: all(s.up for s in lb.servers()), 15, "web3 back UP")


def test_haproxy_runtime_api_and_stats(demo):
    lb = svc(demo, "lb", "haproxy")
    lb.set_server("web1", enabled=False)
    try:
        assert next(s for s in lb.servers() if s.server == "web1").admin_down
        assert all(curl(demo, "client1", "http://lb/whoami").backend != "web1"
                   for _ in range(6))
    finally:
        lb.set_server("web1", enabled=True)
    stats = sh(demo, "client1", "curl", "-s", "http://lb:8404/stats;csv").stdout
    assert "be_all,web1" in stats
    metrics = sh(demo, "client1", "curl", "-s", "http://lb:8404/metrics").stdout
    assert "haproxy_server_status" in metrics or "haproxy_backend_up" in metrics


# ----- HTTP versions -------------------------------------------------------------------------
@pytest.mark.parametrize("url,version,expect", [
    ("http://web1/whoami", "1.0", "1.0"),
    ("http://web1/whoami", "1.1", "1.1"),
    ("http://web1/whoami", "h2c", "2"),
    ("https://web1/whoami", "1.1", "1.1"),
    ("https://web1/whoami", "2", "2"),
])
def test_http_version_is_what_the_server_reports(demo, url, version, expect):
    r = curl(demo, "client1", url, version)
    assert r.status == 200 and r.server_protocol == expect, r


def test_http3_over_quic(demo):
    r = h3(demo, "client1", demo.ip("web1"), "https://web1/whoami")
    assert r.status == 200 and r.server_protocol == "3" and r.backend == "web1"


def test_tls_chain_comes_from_the_lab_ca(demo):
    r = sh(demo, "client1", "sh", "-c", "echo | openssl s_client -connect web1:443 "
           "-servername web1 -CAfile /etc/netdojo/tls/ca.pem 2>/dev/null")
    assert "Verify return code: 0 (ok)" in r.stdout
    assert "netdojo lab root CA" in r.stdout


# ----- SSH -----------------------------------------------------------------------------------
def _ssh_hostname(net, from_node: str, ip: str, port: int) -> str:
    with netns.entered(net.ns(from_node)):  # the socket belongs to that node's namespace
        sock = socket.create_connection((ip, port), timeout=5)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(ip, port=port, username="student", password="netdojo", sock=sock,
                       timeout=10, allow_agent=False, look_for_keys=False)
        _, out, _ = client.exec_command("hostname")
        return out.read().decode().strip()
    finally:
        client.close()


def test_ssh_directly_and_through_the_nat_port_forward(demo):
    assert _ssh_hostname(demo, "client1", demo.ip("ssh1"), 22) == "ssh1"
    assert _ssh_hostname(demo, "inet", "192.0.2.1", 2222) == "ssh1"
    # sshd's own log names each client as it saw it: the forward rewrote only the destination
    log = svc(demo, "ssh1", "ssh").log()
    assert "Accepted password for student from 192.0.2.80" in log, log


# ----- SMTP ----------------------------------------------------------------------------------
def test_mail_goes_through_the_mx_into_a_mailbox_and_nothing_is_relayed(demo):
    mx = dig(demo, "dns1", "lab.example", "MX", "+short").split()
    host = dig(demo, "dns1", mx[1], "A", "+short").strip()
    assert mx[0] == "10" and host == demo.ip("dns1")
    mail = "Subject: netdojo-smtp-test\r\n\r\nhello\r\n"
    def send(rcpt):
        return sh(demo, "client1", "curl", "-sS", "-m", "10", f"smtp://{host}", "--mail-from",
                  "a@client1.test", "--mail-rcpt", rcpt, "-T", "-", input=mail)
    assert send("student@lab.example").returncode == 0
    smtp = svc(demo, "dns1", "smtp")
    wait_until(lambda: "netdojo-smtp-test" in smtp.mailbox("student"), 10, "the mail delivered")
    leased = svc(demo, "client1", "dhcp_client").address().split("/")[0]  # client1 is DHCP's
    assert f"[{leased}]" in smtp.mailbox("student")  # Received: from its address
    refused = send("someone@elsewhere.test")  # not its domain: an open relay would take it
    assert refused.returncode != 0 and "554" in refused.stderr + refused.stdout
    assert "Relay access denied" in smtp.log()


def test_exec_into_a_container_from_the_cli(demo):
    r = cli("exec", "--run", demo.run.id, "web1", "--", "cat", "/etc/hostname")
    assert r.returncode == 0 and r.stdout.strip() == "web1"


def test_a_container_has_no_engine_network_and_the_labs_names_and_resolver(demo):
    """A container node is made with the engine's networking disabled (net/containers.py):
    its namespace holds only lo and the lab's links, and its /etc/hosts and resolv.conf are
    the run's own — lab names, the lab's resolver, nothing of the host's."""
    name = demo.run.container("web1")
    assert engine.client().containers.get(name).attrs["Config"].get("NetworkDisabled") is True
    links = {ln.split()[0].split("@")[0]
             for ln in netns.run_in(demo.ns("web1"), ["ip", "-br", "link"]).stdout.splitlines()}
    lab = {ep.ifname for lk in demo.topo.links for ep in (lk.a, lk.b) if ep.node == "web1"}
    assert links == {"lo", *lab}, links
    hosts = sh(demo, "web1", "cat", "/etc/hosts").stdout
    assert f"{demo.ip('res1')}\tres1" in hosts and "localhost" in hosts
    resolv = sh(demo, "web1", "cat", "/etc/resolv.conf").stdout
    with open("/etc/resolv.conf") as f:
        host = [ln.strip() for ln in f if ln.startswith("nameserver")]
    assert "nameserver " in resolv and "search lab.example" in resolv, resolv
    assert not any(ln in resolv for ln in host if demo.ip("res1") not in ln), resolv
    # and a name resolves through the lab's resolver from inside the node
    assert sh(demo, "web1", "getent", "hosts", "web2").stdout.split()[0] == demo.ip("web2")


def test_copy_and_logs_of_a_container(demo, tmp_path):
    local = tmp_path / "hosts"
    r = cli("cp", "--run", demo.run.id, "web1:/etc/hostname", str(local))
    assert r.returncode == 0, r.stderr
    assert local.read_text().strip() == "web1"
    up = tmp_path / "note.txt"
    up.write_text("hello lab\n")
    assert cli("cp", "--run", demo.run.id, str(up), "web2:/tmp/note.txt").returncode == 0
    assert sh(demo, "web2", "cat", "/tmp/note.txt").stdout == "hello lab\n"
    r = cli("logs", "--run", demo.run.id, "web1")
    assert r.returncode == 0 and "/var/log/web" in r.stdout


def test_haproxy_routes_by_path_host_and_cookie(demo):
    assert {curl(demo, "client1", "http://lb/api/whoami").backend for _ in range(4)} == {"web2"}
    r = {curl(demo, "client1", "http://lb/whoami", extra=["-H", "Host: static.lab.example"]
              ).backend for _ in range(4)}
    assert r == {"web1"}
    # cookie stickiness: the first answer sets SERVERID; sending it back pins the backend
    first = sh(demo, "client1", "curl", "-s", "-D", "-", "-o", "/dev/null", "http://lb/whoami")
    cookie = next(line.split(":", 1)[1].split(";")[0].strip() for line in first.stdout.splitlines()
                  if line.lower().startswith("set-cookie:"))
    assert cookie.startswith("SERVERID=")
    pinned = {curl(demo, "client1", "http://lb/whoami", extra=["-H", f"Cookie: {cookie}"]).backend
              for _ in range(6)}
    assert pinned == {cookie.split("=")[1]}


def test_page_with_configured_objects_and_tls_http10(demo):
    page = sh(demo, "client1", "curl", "-s", "http://web1/").stdout
    assert page.count('<img src="/obj/') == 10  # objects: "10:10240" by default
    size = sh(demo, "client1", "curl", "-s", "-o", "/dev/null", "-w", "%{size_download}",
              "http://web1/obj/3").stdout
    assert size == "10240"
    r = curl(demo, "client1", "https://web1/whoami", "1.0")
    assert r.status == 200 and r.server_protocol == "1.0"


# ----- a config someone wrote replaces the rendered one (labs hand these in) -------------------
def test_a_written_config_is_judged_by_its_daemon_before_it_runs(demo):
    kea = svc(demo, "dhcp1", "dhcp")
    good_kea = kea.files[kea.config_path]
    with pytest.raises(NetdojoError, match="rejected by `kea-dhcp4`") as e:
        replace_config(kea, '{"Dhcp4": {"subnet4": [{"subnet": "10.10.0.0/33"}]}}')
    assert "Invalid prefix length specified for subnet: 33" in str(e.value)  # Kea's words
    assert not kea.listening(67, udp=True)  # not left serving the old config
    replace_config(kea, good_kea)
    assert kea.ready()

    nat = svc(demo, "nat", "nat")
    with pytest.raises(NetdojoError, match="rejected by `nft`"):
        replace_config(nat, "table ip mine {\n  chain post {\n    type nat hook postrouting;\n")
    ruleset = ("table ip student_nat {\n  chain post {\n"
               "    type nat hook postrouting priority srcnat; policy accept;\n"
               '    oifname "eth1" masquerade\n  }\n}\n')
    replace_config(nat, ruleset)
    assert "student_nat" in sh(demo, "nat", "nft", "list", "ruleset").stdout
    assert "netdojo_nat" not in sh(demo, "nat", "nft", "list", "ruleset").stdout

    dns = svc(demo, "dns1", "dns")
    good_named = dns.files[dns.config_path]
    with pytest.raises(NetdojoError, match="rejected by `named-checkconf`"):
        replace_config(dns, good_named + "options { bogus-option yes; };\n")
    replace_config(dns, good_named)
    assert dns.ready()
