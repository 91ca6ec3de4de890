#!/bin/sh
# Runs on client: measures every version's page load, the header bytes, the TLS handshake and
# the loads under loss, and prints answers.yaml (JSON is YAML too).
set -eu
N="$LAB_OBJECTS"
out=$(mktemp -d)
ping -n -c 20 -i 0.05 web > "$out/ping.txt"
ping -n -c 20 -i 0.05 lossy > "$out/ping-lossy.txt" || true  # a lost probe makes ping exit 1
pageload http://web/ --version http1.0 --loads 5 > "$out/http1.0"
pageload http://web/ --version http1.1 --loads 5 > "$out/http1.1"
pageload http://web/ --version http2 --loads 5 > "$out/http2"
pageload http://web/ --version http2-push --loads 5 > "$out/http2_push"
pageload https://web/ --version http2 --loads 5 > "$out/https_http2"
pageload https://web/ --version http3 --loads 5 > "$out/http3"
pageload https://web/ --version http3-0rtt --loads 5 > "$out/http3_0rtt"
pageload https://web/ --version http1.1 > "$out/hdr1"
pageload https://web/ --version http2 > "$out/hdr2"
for v in separate sprite inline minified; do
  pageload "http://web/tricks/$v/$N/10240" --version http1.1 --loads 5 > "$out/$v-http1.1"
  pageload "http://web/tricks/$v/$N/10240" --version http2 --loads 5 > "$out/$v-http2"
done
pageload http://web/hol/ --version http1.1-pipelined > "$out/hol1"
pageload http://web/hol/ --version http2 > "$out/hol2"
pageload https://lossy/ --version http2 --loads 20 > "$out/loss2"
pageload https://lossy/ --version http3 --loads 20 > "$out/loss3"
openssl s_client -connect web:443 -servername web </dev/null > "$out/tls.txt" 2>&1
openssl x509 -noout -subject -issuer -enddate -ext subjectAltName < "$out/tls.txt" >> "$out/tls.txt"
python3 - "$out" "$N" <<'PY'
import json, re, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
def loads(name):
    return [json.loads(line) for line in open(f"{out}/{name}") if line.strip()]
def median(name):
    return round(statistics.median(x["total_s"] for x in loads(name)), 4)
def pings(name):
    return [float(x) for x in re.findall(r"time=([\d.]+) ms", open(f"{out}/{name}").read())]
rtts = pings("ping.txt")
tls = open(f"{out}/tls.txt").read()
def find(pattern):
    m = re.search(pattern, tls, re.M)
    return m.group(1).strip() if m else ""
def behind(name):  # the late object (its path carries its wait) and the objects after it
    objs = loads(name)[0]["objects"][1:]
    slow = next(o for o in objs if o["path"].count("/") == 4)
    return int(slow["path"].split("/")[2]), sum(o["end_s"] > slow["end_s"] for o in objs)
names = ["http1.0", "http1.1", "http2", "http2_push", "https_http2", "http3", "http3_0rtt"]
V = ("http1.1", "http2")
answers = {
    "rtt_ms": round(statistics.median(rtts), 2),
    "round_trips": {"http1.0": 2 * (n + 1), "http1.1": n + 2, "http2": 3, "http2_push": 2,
                    "https_http2": 4, "http3": 3, "http3_0rtt": 2},
    "load_s": {v: median(v) for v in names},
    "header_bytes": {"http1.1": loads("hdr1")[0]["header_bytes"]["request"],
                     "http2": loads("hdr2")[0]["header_bytes"]["request"]},
    "tls": {"version": find(r"New, (TLSv[\d.]+)"), "cipher": find(r"Cipher is (\S+)"),
            "group": find(r"Server Temp Key: ([^,\s]+)"),
            "issuer": find(r"^issuer=.*?CN\s*=\s*([^,\n]+)"),
            "subject": find(r"^subject=.*?CN\s*=\s*([^,\n]+)"),
            "san": re.findall(r"DNS:([^,\s]+)", tls), "not_after": find(r"^notAfter=(.+)$")},
    "tricks_s": {**{t: {v: median(f"{t}-{v}") for v in V} for t in ("separate", "sprite")},
                 **{t: {v: median(f"{t}-{v}") for v in V} for t in ("inline", "minified")}},
    # the bodies of one load (the first of five): gzip on (minified) and off (separate)
    "page_bytes": {t: loads(f"{t}-http2")[0]["body_bytes"]
                   for t in ("separate", "minified")},
    "loss_s": {"rtt_ms": round(statistics.median(pings("ping-lossy.txt")), 2),
               "http2": [x["total_s"] for x in loads("loss2")],
               "http3": [x["total_s"] for x in loads("loss3")]},
    "hol": {"slow_object": behind("hol2")[0], "behind_pipelined": behind("hol1")[1],
            "behind_http2": behind("hol2")[1]},
    "connections": {v: loads(v)[0]["connections"] for v in ("http1.0", "http1.1")},
    "why": {"keepalive": "b", "http2_loss": "c", "http3_setup": "a", "sprite_http2": "b",
            "hpack": "d"},
}
print(json.dumps(answers, indent=1))
PY
rm -rf "$out"
