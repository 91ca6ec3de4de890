"""One line per captured packet, as a packet list shows it: time, addresses, protocol, info."""

from __future__ import annotations

from typing import Any

from netdojo.measure.pcap import Frame

ETHERTYPES = {0x0806: "ARP", 0x86DD: "IPv6", 0x88CC: "LLDP"}
IP_PROTOS = {1: "ICMP", 2: "IGMP", 6: "TCP", 17: "UDP", 89: "OSPF"}
PORTS = {53: "DNS", 67: "DHCP", 68: "DHCP", 80: "HTTP", 443: "HTTPS", 22: "SSH", 21: "FTP",
         25: "SMTP", 5201: "iperf3"}


def summarize(frame: Frame, t0: float) -> dict[str, Any]:
    link = frame.layer("link")
    ip = frame.ip
    row: dict[str, Any] = {"no": frame.number, "time": round(frame.time - t0, 6),
                           "src": "", "dst": "", "proto": "", "info": "", "length": len(frame.data)}
    if not ip:
        etype = link.fields.get("ethertype", 0) if link else 0
        row.update(src=link.fields.get("src", "") if link else "",
                   dst=link.fields.get("dst", "") if link else "",
                   proto=ETHERTYPES.get(etype, f"0x{etype:04x}"))
        if etype == 0x0806 and len(frame.data) >= 42:
            op = "request" if frame.data[21] == 1 else "reply"
            who = ".".join(str(b) for b in frame.data[38:42])
            row["info"] = f"who has {who}?" if op == "request" else f"{who} is at {row['src']}"
        return row
    row.update(src=ip["src"], dst=ip["dst"], proto=IP_PROTOS.get(ip["proto"], str(ip["proto"])))
    if frame.tcp:
        t = frame.tcp
        row["proto"] = PORTS.get(min(t["sport"], t["dport"]), "TCP") if frame.payload_len \
            else "TCP"
        row["info"] = (f"{t['sport']} → {t['dport']} [{','.join(t['flags'])}] seq={t['seq']} "
                       f"ack={t['ack']} len={frame.payload_len}")
    elif frame.udp:
        u = frame.udp
        row["proto"] = PORTS.get(min(u["sport"], u["dport"]), "UDP")
        row["info"] = f"{u['sport']} → {u['dport']} len={frame.payload_len}"
    elif ip["proto"] == 1:
        off = frame.layer("internet")
        if off is not None and len(frame.data) > off.start + off.header_len:
            kind = frame.data[off.start + off.header_len]
            row["info"] = {0: "echo reply", 8: "echo request", 11: "time exceeded",
                           3: "destination unreachable"}.get(kind, f"type {kind}")
        row["info"] += f" ttl={ip['ttl']}"
    return row
