// netdojo web: the page.  Plain JavaScript over vendored libraries (no build step): the
// drawing (Cytoscape.js), terminals (xterm.js), the worksheet (marked).  window.netdojo holds
// the live objects so a browser test can read what is drawn.
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const wsURL = (path) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}` +
  `${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) =>
  ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const api = async (path, opts = {}) => {
  const r = await fetch(path, {credentials: "same-origin", ...opts});
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
};
const nd = window.netdojo = {topology: null, cy: null, terms: {}, rates: {}, failed: [],
                             panels: [], lang: "en", report: null};

function rate(bps) {
  if (bps >= 1e9) return (bps / 1e9).toFixed(2) + "G";
  if (bps >= 1e6) return (bps / 1e6).toFixed(1) + "M";
  if (bps >= 1e3) return (bps / 1e3).toFixed(0) + "k";
  return bps ? bps.toFixed(0) : "0";
}

// ----- tabs ---------------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === name));
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("on", t.id === "tab-" + name));
  if (name === "services") loadPanels();
  if (name === "sheet" && !$("#sheet").innerHTML) loadSheet(nd.lang);
  if (name === "files") loadFiles();
}
document.querySelectorAll("#tabs button").forEach((b) => b.onclick = () => showTab(b.dataset.tab));

// ----- the drawing --------------------------------------------------------------------------
const SHAPES = {router: "diamond", switch: "round-rectangle", "switch (hub)": "rectangle",
                container: "round-tag", host: "ellipse"};
async function loadTopology() {
  const t = nd.topology = await api("/api/topology");
  $("#title").textContent = t.title;
  $("#run").textContent = `run ${t.run}` + (t.student ? ` · student ${t.student}` : "");
  document.title = `netdojo · ${t.title}`;
  if (t.lab) document.body.classList.add("has-lab");
  const elements = [
    ...t.nodes.map((n) => ({data: {id: n.id, label: n.id, kind: n.kind}})),
    ...t.links.map((l) => ({data: {id: l.id, source: l.source, target: l.target, label: ""}})),
  ];
  nd.cy = cytoscape({
    container: $("#graph"), elements, wheelSensitivity: 0.3,
    layout: {name: t.nodes.length > 60 ? "grid" : "cose", animate: false, padding: 20},
    style: [
      {selector: "node", style: {label: "data(label)", "text-valign": "bottom", "font-size": 11,
        "background-color": "#457b9d", width: 26, height: 26,
        shape: (n) => SHAPES[n.data("kind")] || "ellipse"}},
      {selector: "node[kind = 'router']", style: {"background-color": "#e76f51"}},
      {selector: "node[kind ^= 'switch']", style: {"background-color": "#2a9d8f"}},
      {selector: "node[kind = 'container']", style: {"background-color": "#6d597a"}},
      {selector: "node.served", style: {"border-width": 3, "border-color": "#f4a261"}},
      {selector: "edge", style: {width: 2, "line-color": "#9aa5b1", label: "data(label)",
        "font-size": 9, "text-rotation": "autorotate", "text-background-color": "#fff",
        "text-background-opacity": 0.8, "curve-style": "bezier"}},
      {selector: "edge.busy", style: {"line-color": "#1d3557", width: 4}},
      {selector: "edge.cut", style: {"line-color": "#c0392b", "line-style": "dashed"}},
      {selector: ":selected", style: {"overlay-opacity": 0.15}},
    ],
  });
  nd.cy.on("tap", "node", (e) => { showNode(e.target.id()); openTerminal(e.target.id()); });
  nd.cy.on("tap", "edge", (e) => showLink(e.target.id()));
  fillCaptureNodes();
}

function showNode(id) {
  const n = nd.topology.nodes.find((x) => x.id === id);
  const mine = nd.panels.filter((p) => p.node === id);
  $("#tab-node").innerHTML = `<h3>${esc(id)} <span class="muted">${esc(n.kind)}</span></h3>
    <p>${n.addresses.map(esc).join("<br>") || "no address"}</p>
    ${n.services.length ? `<p>services: ${n.services.map(esc).join(", ")}</p>` : ""}
    <p><button id="open-term">Terminal in ${esc(id)}</button></p>` + mine.map(panelHTML).join("");
  $("#open-term").onclick = () => openTerminal(id);
  showTab("node");
}

function showLink(id) {
  const l = nd.topology.links.find((x) => x.id === id);
  const cut = nd.failed.includes(id);
  const r = nd.rates[id] || {ab_bps: 0, ba_bps: 0};
  $("#tab-node").innerHTML = `<h3>link ${esc(id)}</h3>
    <p>${esc(l.source)}:${esc(l.a_if)} ⇄ ${esc(l.target)}:${esc(l.b_if)}</p>
    <p>${esc(l.shaping || "not shaped")}</p>
    <p>now: ${esc(l.source)} → ${esc(l.target)} <b>${rate(r.ab_bps)}bit/s</b>,
       ${esc(l.target)} → ${esc(l.source)} <b>${rate(r.ba_bps)}bit/s</b></p>
    <p>state: <b id="link-state" class="${cut ? "bad" : "ok"}">${cut ? "cut" : "up"}</b>
       <button id="link-toggle">${cut ? "Restore the cable" : "Cut the cable"}</button></p>
    <p id="link-msg" class="muted"></p>`;
  $("#link-toggle").onclick = async () => {
    $("#link-toggle").disabled = true;
    try {
      const res = await api(`/api/links/${encodeURIComponent(id)}/${cut ? "restore" : "cut"}`,
                            {method: "POST"});
      applyFailed(res.failed);
      showLink(id);
    } catch (err) { $("#link-msg").textContent = err.message; $("#link-toggle").disabled = false; }
  };
  showTab("node");
}

function applyFailed(failed) {
  nd.failed = failed;
  nd.cy.edges().forEach((e) => {
    const [a, b] = [e.data("source"), e.data("target")];
    e.toggleClass("cut", failed.includes(e.id()) || failed.includes(a) || failed.includes(b));
  });
}

function liveStats() {
  const ws = new WebSocket(wsURL("/ws/stats"));
  ws.onmessage = (m) => {
    const s = JSON.parse(m.data);
    for (const l of s.links) {
      nd.rates[l.link] = l;
      const e = nd.cy.getElementById(l.link);
      if (!e.length) continue;
      const busy = l.ab_bps + l.ba_bps > 8000;
      e.data("label", busy ? `→${rate(l.ab_bps)} ←${rate(l.ba_bps)}` : "");
      e.toggleClass("busy", busy);
    }
    applyFailed(s.failed);
    $("#live").textContent = "● live";
  };
  ws.onclose = () => { $("#live").textContent = "○ reconnecting"; setTimeout(liveStats, 2000); };
}

// ----- terminals ----------------------------------------------------------------------------
function openTerminal(node) {
  $("#term-hint")?.remove();
  const key = `${node}#${Object.keys(nd.terms).filter((k) => k.startsWith(node + "#")).length + 1}`;
  const div = document.createElement("div");
  div.className = "term";
  $("#term-area").appendChild(div);
  const term = new Terminal({fontSize: 13, cursorBlink: true, scrollback: 5000});
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(div);
  const tab = document.createElement("button");
  tab.textContent = key.replace("#1", "");
  $("#term-tabs").appendChild(tab);
  const focus = () => {
    document.querySelectorAll("#term-area .term").forEach((t) => t.classList.toggle("on", t === div));
    document.querySelectorAll("#term-tabs button").forEach((b) => b.classList.toggle("on", b === tab));
    fit.fit(); term.focus();
  };
  tab.onclick = focus;
  focus();
  const ws = new WebSocket(wsURL(`/ws/term/${encodeURIComponent(node)}?cols=${term.cols}&rows=${term.rows}`));
  ws.binaryType = "arraybuffer";
  const enc = new TextEncoder();
  ws.onmessage = (m) => term.write(new Uint8Array(m.data));
  ws.onclose = () => term.write("\r\n\x1b[2m[the terminal has ended]\x1b[0m\r\n");
  term.onData((d) => ws.readyState === 1 && ws.send(enc.encode(d)));
  term.onResize(({cols, rows}) => ws.readyState === 1 && ws.send(JSON.stringify({resize: [cols, rows]})));
  new ResizeObserver(() => div.classList.contains("on") && fit.fit()).observe($("#term-area"));
  nd.terms[key] = {term, ws, node,
    text: () => { const b = term.buffer.active, out = [];
                  for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
                  return out.join("\n"); }};
  return key;
}

// ----- service panels -----------------------------------------------------------------------
function panelHTML(p) {
  const cols = p.rows.length ? Object.keys(p.rows[0]) : [];
  const cell = (k, v) => k === "status" ? `<td class="status-${esc(String(v).split(" ")[0])}">${esc(v)}</td>` : `<td>${esc(v)}</td>`;
  return `<div class="panel" data-node="${esc(p.node)}" data-kind="${esc(p.kind)}">
    <h4>${esc(p.node)} · ${esc(p.title)}</h4>` + (p.rows.length ?
    `<table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>` +
    p.rows.map((r) => `<tr>${cols.map((c) => cell(c, r[c])).join("")}</tr>`).join("") + "</table>"
    : `<p class="muted">nothing yet</p>`) + "</div>";
}
async function loadPanels() {
  try { nd.panels = await api("/api/panels"); } catch (err) { return; }
  nd.cy?.nodes().removeClass("served");
  nd.panels.forEach((p) => nd.cy?.getElementById(p.node).addClass("served"));
  $("#tab-services").innerHTML = nd.panels.length ? nd.panels.map(panelHTML).join("")
    : `<p class="muted">No service daemon runs in this lab's nodes.</p>`;
}

// ----- worksheet, files, checks -------------------------------------------------------------
async function loadSheet(lang) {
  nd.lang = lang;
  const w = await api(`/api/worksheet?lang=${lang}`);
  const vals = Object.entries(w.values);
  $("#values").innerHTML = `<p><b>${lang === "ko" ? "내 값" : "Your values"}</b> (${esc(w.student)}): ` +
    (vals.map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(" ") || "none") + "</p>";
  $("#sheet").innerHTML = marked.parse(w.markdown);
  $("#sheet").querySelectorAll("img").forEach((img) => {
    const src = img.getAttribute("src");
    if (src && !src.includes("/")) img.src = `/lab/${encodeURIComponent(src)}`;
  });
}
$("#lang-en").onclick = () => loadSheet("en");
$("#lang-ko").onclick = () => loadSheet("ko");

async function loadFiles() {
  const files = await api("/api/files");
  $("#tab-files").innerHTML = files.map((f, i) => `<h4>${esc(f.name)}
    <span class="muted">${esc(f.kind)}${f.optional ? ", optional" : ""}</span></h4>
    <p class="muted">${esc(f.description)}</p>` + (f.kind === "pcap" ? "<p>(a capture: make it in a terminal)</p>" :
    `<textarea id="file-${i}" spellcheck="false">${esc(f.text)}</textarea>
    <button data-i="${i}" class="save">Save ${esc(f.name)}</button> <span id="saved-${i}" class="muted"></span>`)).join("");
  document.querySelectorAll("button.save").forEach((b) => b.onclick = async () => {
    const i = b.dataset.i;
    try {
      const r = await api(`/api/files/${encodeURIComponent(files[i].name)}`,
                          {method: "PUT", body: $(`#file-${i}`).value});
      $(`#saved-${i}`).textContent = `saved (${r.bytes} bytes)`;
    } catch (err) { $(`#saved-${i}`).textContent = err.message; }
  });
}

$("#check-run").onclick = () => {
  $("#check-run").disabled = true;
  $("#check-log").textContent = "";
  $("#check-result").innerHTML = "";
  const ws = new WebSocket(wsURL("/ws/check"));
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "progress") $("#check-log").textContent += msg.line + "\n";
    else if (msg.type === "error") $("#check-result").innerHTML = `<p class="bad">${esc(msg.message)}</p>`;
    else if (msg.type === "report") showReport(msg.report);
  };
  ws.onclose = () => { $("#check-run").disabled = false; };
};
function showReport(r) {
  nd.report = r;
  const mark = (c) => c.score >= c.points - 1e-9 ? ["PASS", "ok"] : c.score > 0 ? ["PART", "part"] : ["FAIL", "bad"];
  $("#check-result").innerHTML = `<p class="score" id="score">${r.score} / ${r.max_score}</p>
    <table><tr><th></th><th>points</th><th>check</th><th>why</th></tr>` + r.checks.map((c) => {
      const [m, cls] = mark(c);
      return `<tr><td class="${cls}">${m}</td><td>${c.score}/${c.points}</td><td>${esc(c.title)}</td>
        <td>${esc(c.message)}${c.score < c.points ? `<br><i class="muted">${esc(c.hint)}</i>` : ""}</td></tr>`;
    }).join("") + `</table>` + (r.hidden_checks.count ? `<p class="muted">and ${r.hidden_checks.count}
    hidden check(s) worth ${r.hidden_checks.points} point(s), in the total</p>` : "");
}

// ----- captures -----------------------------------------------------------------------------
function fillCaptureNodes() {
  const t = nd.topology;
  $("#cap-node").innerHTML = t.nodes.map((n) => `<option>${esc(n.id)}</option>`).join("");
  const fillIfs = () => {
    const node = $("#cap-node").value;
    const ifs = t.links.flatMap((l) => [l.source === node ? l.a_if : null, l.target === node ? l.b_if : null]).filter(Boolean);
    $("#cap-if").innerHTML = ifs.map((i) => `<option>${esc(i)}</option>`).join("");
  };
  $("#cap-node").onchange = fillIfs;
  fillIfs();
}
$("#cap-run").onclick = async () => {
  const secs = Number($("#cap-secs").value) || 5;
  $("#cap-status").textContent = `capturing for ${secs} s…`;
  try {
    const r = await api("/api/capture", {method: "POST", body: JSON.stringify(
      {node: $("#cap-node").value, ifname: $("#cap-if").value, seconds: secs})});
    $("#cap-status").innerHTML = `${r.packets} packets · <a href="/api/capture/${encodeURIComponent(r.id)}">download ${esc(r.id)}</a> (opens in Wireshark)`;
    $("#cap-table").innerHTML = "<tr><th>no</th><th>time</th><th>source</th><th>destination</th><th>protocol</th><th>info</th></tr>" +
      r.rows.map((p) => `<tr><td>${p.no}</td><td>${p.time.toFixed(3)}</td><td>${esc(p.src)}</td><td>${esc(p.dst)}</td><td>${esc(p.proto)}</td><td>${esc(p.info)}</td></tr>`).join("");
  } catch (err) { $("#cap-status").textContent = err.message; }
};

loadTopology().then(() => { liveStats(); loadPanels(); setInterval(() => {
  if ($("#tab-services").classList.contains("on")) loadPanels(); }, 3000); })
  .catch((err) => { $("#title").textContent = "could not load the lab: " + err.message; });

// ----- failover, live -----------------------------------------------------------------------
const fo = nd.failover = {scenario: null, variants: {}};
async function loadScenarios() {
  const names = await api("/api/scenarios");
  $("#fo-scenario").innerHTML = names.map((n) => `<option>${esc(n)}</option>`).join("");
}
function foVariant(v) {
  if (!fo.variants[v]) {
    const div = document.createElement("div");
    div.className = "fo-variant";
    div.dataset.variant = v;
    $("#fo-charts").appendChild(div);
    fo.variants[v] = {div, ticks: [], states: {}, faults: [], last: null};
  }
  return fo.variants[v];
}
function drawVariant(v) {
  const s = fo.variants[v], sc = fo.scenario, W = 520, H = 120, lane = 14;
  const backends = sc ? sc.backends : Object.keys(s.states);
  const dur = sc ? sc.duration : 60, x = (t) => 30 + (W - 40) * t / dur;
  const perSec = s.ticks.map((k, i) => {
    const prev = i ? s.ticks[i - 1] : {ok: 0, failed: 0};
    return {t: k.t, ok: k.ok - prev.ok, failed: k.failed - prev.failed};
  });
  const top = Math.max(1, ...perSec.map((p) => p.ok + p.failed));
  const y = (n) => H * n / top;
  let svg = `<svg width="${W}" height="${H + 30 + lane * backends.length}" class="fo-chart">`;
  for (const p of perSec) {
    const bw = Math.max(2, (W - 40) / dur - 1);
    svg += `<rect class="ok" x="${x(p.t - 1)}" y="${H - y(p.ok)}" width="${bw}" height="${y(p.ok)}" fill="#2a9d8f"/>`;
    if (p.failed) svg += `<rect class="failed" x="${x(p.t - 1)}" y="${H - y(p.ok) - y(p.failed)}" width="${bw}" height="${y(p.failed)}" fill="#c0392b"/>`;
  }
  for (const f of s.faults) {
    svg += `<line x1="${x(f.t)}" x2="${x(f.t)}" y1="0" y2="${H}" stroke="#555" stroke-dasharray="3,3"/>` +
           `<text x="${x(f.t) + 2}" y="10" font-size="9">${esc(f.label)}</text>`;
  }
  backends.forEach((b, i) => {
    const yy = H + 20 + i * lane, changes = s.states[b] || [];
    svg += `<text x="0" y="${yy + 10}" font-size="10">${esc(b)}</text>`;
    let t = 0, up = true;
    for (const c of [...changes, {t: s.last ?? dur, up: null}]) {
      svg += `<rect class="${up ? "up" : "down"}" x="${x(t)}" y="${yy}" width="${Math.max(0, x(c.t) - x(t))}" height="${lane - 3}" fill="${up ? "#9bd6a0" : "#e89a8f"}"/>`;
      t = c.t; if (c.up !== null) up = c.up;
    }
  });
  svg += "</svg>";
  const last = perSec[perSec.length - 1];
  s.div.innerHTML = `<h4>${esc(v)} <span class="muted">${last ? `t=${last.t.toFixed(0)} s, ${last.ok + last.failed} req/s, ${last.failed} failed` : ""}</span></h4>${svg}`;
}
$("#fo-run").onclick = () => {
  $("#fo-run").disabled = true;
  $("#fo-charts").innerHTML = ""; $("#fo-log").textContent = "";
  fo.variants = {};
  $("#fo-status").textContent = "building its lab…";
  const ws = new WebSocket(wsURL(`/ws/failover?scenario=${encodeURIComponent($("#fo-scenario").value)}`));
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === "scenario") fo.scenario = e;
    else if (e.type === "tick") { const s = foVariant(e.variant); s.ticks.push(e); s.last = e.t; drawVariant(e.variant);
                                  $("#fo-status").textContent = `running ${e.variant}…`; }
    else if (e.type === "state") { const s = foVariant(e.variant); (s.states[e.server] ||= []).push({t: e.t, up: e.up}); drawVariant(e.variant); }
    else if (e.type === "fault") { const s = foVariant(e.variant); s.faults.push(e); drawVariant(e.variant); }
    else if (e.type === "report") $("#fo-status").innerHTML = `done · <a id="fo-report" href="${esc(e.html)}" target="_blank">the report</a>`;
    else if (e.type === "error") $("#fo-status").innerHTML = `<span class="bad">${esc(e.message)}</span>`;
    if (e.line) $("#fo-log").textContent += e.line + "\n";
  };
  ws.onclose = () => { $("#fo-run").disabled = false; };
};
loadScenarios();
