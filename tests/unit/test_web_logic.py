"""The web console's pure parts (no network, no browser): the token gate, counters to rates,
the service probes' parsers, a packet's one-line summary, the vendored libraries."""

import asyncio
from pathlib import Path

from netdojo.measure.pcap import Frame, decode
from netdojo.web import auth
from netdojo.web.panels import conntrack_rows, haproxy_rows, lease_rows, panels_from_probe
from netdojo.web.stats import parse_net_dev, rate_bps
from netdojo.web.summary import summarize

STATIC = Path(__file__).resolve().parents[2] / "src" / "netdojo" / "web" / "static"


def scope(kind="http", query=b"", headers=()):
    return {"type": kind, "query_string": query, "headers": list(headers), "path": "/"}


def run_gate(sc, token="s3cret"):
    sent, called = [], []

    async def app(scope, receive, send):
        called.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def receive():
        return {"type": "websocket.connect"}

    async def send(msg):
        sent.append(msg)

    asyncio.run(auth.TokenGate(app, token)(sc, receive, send))
    return called, sent


def test_the_gate_lets_in_only_the_token_and_sets_it_as_a_cookie():
    called, sent = run_gate(scope())
    assert not called and sent[0]["status"] == 403 and b"token" in sent[1]["body"]
    called, sent = run_gate(scope(query=b"token=wrong"))
    assert not called and sent[0]["status"] == 403
    called, sent = run_gate(scope(query=b"token=s3cret"))
    assert called and any(k == b"set-cookie" and b"HttpOnly" in v and b"SameSite=Strict" in v
                          for k, v in sent[0]["headers"])
    called, _ = run_gate(scope(headers=[(b"cookie", b"netdojo_token=s3cret")]))
    assert called
    called, _ = run_gate(scope(headers=[(b"authorization", b"Bearer s3cret")]))
    assert called
    called, _ = run_gate(scope(headers=[(b"cookie", b"netdojo_token=s3cre")]))
    assert not called


def test_a_websocket_from_another_site_is_refused_even_with_the_cookie():
    cookie = (b"cookie", b"netdojo_token=s3cret")
    called, sent = run_gate(scope("websocket", headers=[cookie, (b"host", b"127.0.0.1:8765"),
                                                        (b"origin", b"http://evil.example")]))
    assert not called and sent == [{"type": "websocket.close", "code": 4403}]
    called, _ = run_gate(scope("websocket", headers=[cookie, (b"host", b"127.0.0.1:8765"),
                                                     (b"origin", b"http://127.0.0.1:8765")]))
    assert called


def test_counters_become_rates():
    text = ("Inter-|   Receive |  Transmit\n face |bytes    packets|bytes\n"
            "  eth0: 1000 10 0 0 0 0 0 0 5000 20 0 0 0 0 0 0\n"
            "    lo: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
    got = parse_net_dev(text)
    assert got["eth0"].rx_bytes == 1000 and got["eth0"].tx_bytes == 5000
    assert rate_bps(1000, 126000, 1.0) == 1e6
    assert rate_bps(5000, 100, 1.0) == 0  # a counter that went back (interface re-made)
    assert rate_bps(0, 100, 0) == 0


def test_the_panels_read_what_the_daemons_print():
    stat = ("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,eresp,"
            "econ,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,"
            "pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status\n"
            "web,FRONTEND,,,1,2,,9,,,,,,,,,,OPEN,,,,,,,,,,,,,,,,,,,\n"
            "pool,web1,0,0,0,1,,4,,,,,,0,,,,UP,1,1,0,,,,,,,,,,,,,,,,L7OK\n"
            "pool,web2,0,0,0,1,,5,,,,,,3,,,,DOWN,1,1,0,,,,,,,,,,,,,,,,L4CON\n"
            "pool,BACKEND,0,0,0,1,,9,,,,,,,,,,UP,,,,,,,,,,,,,,,,,,,\n")
    rows = haproxy_rows(stat)
    assert [(r["server"], r["status"], r["check"]) for r in rows] == [
        ("web1", "UP", "L7OK"), ("web2", "DOWN", "L4CON"), ("BACKEND", "UP", "")]
    leases = lease_rows("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,"
                        "fqdn_rev,hostname,state\n10.10.0.100,02:00:00:aa:bb:cc,,600,"
                        "1764680000,1,0,0,client1,0\n")
    assert leases == [{"address": "10.10.0.100", "mac": "02:00:00:aa:bb:cc", "host": "client1",
                       "expires": "12:53:20 UTC"}]
    ct = conntrack_rows("tcp      6 117 TIME_WAIT src=192.0.2.80 dst=192.0.2.1 sport=40000 "
                        "dport=80 src=10.10.0.5 dst=192.0.2.80 sport=80 dport=40000 [ASSURED] "
                        "mark=0 use=1\nconntrack v1.4.7 (conntrack-tools): 1 flow entries\n")
    assert ct == [{"proto": "tcp", "state": "TIME_WAIT",
                   "original": "192.0.2.80:40000 → 192.0.2.1:80",
                   "reply": "10.10.0.5:80 → 192.0.2.80:40000"}]
    panels = panels_from_probe("lb", "@@ps\nhaproxy sh\n@@haproxy\n" + stat)
    assert [p["kind"] for p in panels] == ["haproxy"] and panels[0]["node"] == "lb"
    assert panels_from_probe("x", "@@ps\nsleep\n") == []


def test_a_packet_in_one_line():
    arp = bytes.fromhex("ffffffffffff" "020000000001" "0806" "0001080006040001"
                        "020000000001" "0a000001" "000000000000" "0a000002")
    row = summarize(Frame(1, 10.0, arp, decode(arp)), 10.0)
    assert row["proto"] == "ARP" and row["info"] == "who has 10.0.0.2?"
    icmp = bytes.fromhex("020000000002" "020000000001" "0800"
                         "4500001c0001000040010000" "0a000001" "0a000002" "0800f7ff00000000")
    row = summarize(Frame(2, 10.5, icmp, decode(icmp)), 10.0)
    assert (row["src"], row["dst"], row["proto"], row["time"]) == ("10.0.0.1", "10.0.0.2",
                                                                  "ICMP", 0.5)
    assert row["info"].startswith("echo request")


def test_the_javascript_is_vendored_with_its_licences_and_no_cdn():
    vendor = STATIC / "vendor"
    for f in ("xterm.js", "xterm.css", "addon-fit.js", "cytoscape.min.js", "marked.umd.js"):
        assert (vendor / f).stat().st_size > 1000, f
    for lic in ("LICENSE.xterm", "LICENSE.addon-fit", "LICENSE.cytoscape", "LICENSE.marked"):
        assert "MIT" in (vendor / lic).read_text() or "Permission is hereby granted" in \
            (vendor / lic).read_text()
    page = (STATIC / "index.html").read_text()
    assert "http://" not in page and "https://" not in page, "no CDN: everything from /static"


def test_the_failover_runner_s_lines_become_timeline_events():
    from netdojo.web.failover_live import event

    assert event("[defaults] t=  3.0s sent=300 ok=290 failed=10 in-flight=0") == {
        "type": "tick", "variant": "defaults", "t": 3.0, "sent": 300, "ok": 290, "failed": 10}
    assert event("[tuned-retry] t=  4.2s HAProxy: web1 DOWN") == {
        "type": "state", "variant": "tuned-retry", "t": 4.2, "server": "web1", "up": False}
    assert event("[l4] t= 16.0s restore web1")["type"] == "fault"
    assert event("[l4] configuring HAProxy and waiting for every backend UP")["type"] == "variant"
    assert event("run abc123: lb-failover up in 9.1 s") == {
        "type": "log", "line": "run abc123: lb-failover up in 9.1 s"}


def test_the_dns_and_web_server_panels():
    from netdojo.web.panels import http_summary, query_rows

    q = ("02-Dec-2026 16:43:35.123 client @0x7f3a 10.10.0.5#53050 (www.lab.example): query: "
         "www.lab.example IN A +E(0)K (10.10.0.53)\n")
    assert query_rows(q) == [{"time": "16:43:35.123", "client": "10.10.0.5",
                              "name": "www.lab.example", "type": "A"}]
    log = ('[2026-12-02 16:43:35 +0000] [38] [INFO] 127.0.0.1:54726 - - [02/Dec/2026:16:43:35 '
           '+0000] "GET / 1.1" 200 294 "-" "curl/7.88.1"\n'
           '[2026-12-02 16:43:35 +0000] [38] [INFO] 10.0.0.9:56424 - - [02/Dec/2026:16:43:35 '
           '+0000] "GET /img/1.png 2" 404 292 "-" "curl/7.88.1"\n')
    per, last = http_summary(log)
    assert per == {"HTTP/1.1": 1, "HTTP/2": 1}
    assert last[-1] == {"client": "10.0.0.9", "request": "GET /img/1.png", "version": "HTTP/2",
                        "status": "404"}


def test_the_mail_and_ssh_panels_read_the_daemons_own_logs():
    from netdojo.web.panels import login_rows, mail_rows

    log = """\
Dec 03 20:19:59 mail postfix/smtpd[112]: CCD9B35C18F: client=unknown[192.0.2.150]
Dec 03 20:19:59 mail postfix/qmgr[105]: CCD9B35C18F: from=<a@b.test>, size=303, nrcpt=1 (queue active)
Dec 03 20:19:59 mail postfix/local[117]: CCD9B35C18F: to=<minji@hanbit.test>, relay=local, delay=0.01, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)
Dec 03 20:19:59 mail postfix/smtpd[112]: NOQUEUE: reject: RCPT from unknown[10.9.9.9]: 554 5.7.1 <x@other.test>: Relay access denied; from=<a@b.test> to=<x@other.test> proto=ESMTP helo=<m>
"""  # noqa: E501  (Postfix's own lines, as it writes them)
    assert mail_rows(log) == [
        {"client": "192.0.2.150", "from": "a@b.test", "to": "minji@hanbit.test",
         "status": "sent (delivered to mailbox)"},
        {"client": "10.9.9.9", "from": "a@b.test", "to": "x@other.test",
         "status": "refused: 554 5.7.1 <x@other.test>: Relay access denied"}]
    ssh = ("Server listening on 0.0.0.0 port 22.\n"
           "Accepted password for minji from 192.0.2.188 port 44554 ssh2\n"
           "Failed password for invalid user root from 192.0.2.9 port 40000 ssh2\n"
           "Accepted publickey for minji from 192.0.2.188 port 44564 ssh2: ED25519 "
           "SHA256:lYumWycZHvXPgHVORcXO3RVBPf0s2RP8z3tZ85rX9e8\n")
    assert login_rows(ssh) == [
        {"user": "minji", "client": "192.0.2.188", "method": "password", "result": "accepted"},
        {"user": "root", "client": "192.0.2.9", "method": "password", "result": "failed"},
        {"user": "minji", "client": "192.0.2.188", "method": "publickey",
         "result": "accepted (SHA256:lYumWycZHvXPgHVORcXO3RVBPf0s2RP8z3tZ85rX9e8)"}]
    panels = panels_from_probe("mx1", "@@ps\nmaster\n@@postfix\n" + log + "@@sshd\n" + ssh)
    assert [p["kind"] for p in panels] == ["mail", "ssh"]

