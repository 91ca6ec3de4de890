"""Exports made from the gradebook: Gradescope's results.json per submission, GitHub
Classroom's autograding result, JUnit XML, a class CSV, and feedback per student in Markdown
and HTML (visible checks, their messages and hints; hidden checks only counted)."""

from __future__ import annotations

import csv
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from netdojo.grade.gradebook import Attempt
from netdojo.grade.report import class_report

FORMATS = ("gradescope", "classroom", "junit", "csv", "feedback", "report")


def _pts(x: float) -> str:
    return f"{x:g}"


def _status_text(a: Attempt) -> str:
    if a.status == "regrade":
        return (f"{_pts(a.score)}/{_pts(a.max_score)} points so far; some timing checks will be "
                "graded again (this machine could not hold them when you were graded)")
    if a.status == "graded":
        return f"{_pts(a.score)}/{_pts(a.max_score)} points"
    return {"timeout": "not graded: time limit", "unreadable": "not graded: unreadable",
            "error": "not graded: error"}.get(a.status, a.status) + f" — {a.message}"


def gradescope(a: Attempt) -> dict:
    """Gradescope's results.json (their autograder specification: score, execution_time,
    output, tests with name, score, max_score, status, output, visibility)."""
    tests = [{"name": c["title"], "score": c["score"], "max_score": c["points"],
              "status": "passed" if c["score"] >= c["points"] - 1e-9 else "failed",
              "output": c["message"] + (f"\nHint: {c['hint']}" if c["hint"]
                                        and c["score"] < c["points"] else ""),
              "visibility": "visible" if c["visible"] else "after_published"}
             for c in a.checks]
    out = {"score": a.score, "execution_time": round(a.seconds),
           "output": _intake_text(a) or "Graded by netdojo.",
           "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    if a.status != "graded":
        out["output"] = f"{_status_text(a)}\n{_intake_text(a)}".strip()
    return out


def classroom(a: Attempt) -> dict:
    """GitHub Classroom's autograding result: points awarded and available, per test."""
    return {"version": 1, "status": "pass" if a.status == "graded" and a.score >= a.max_score
            else "fail", "max_score": a.max_score,
            "tests": [{"name": c["title"], "status": "pass" if c["score"] >= c["points"] - 1e-9
                       else "fail", "score": c["score"], "max_score": c["points"],
                       "message": c["message"] if c["visible"] else "hidden check"}
                      for c in a.checks]}


def junit(attempts: list[Attempt]) -> str:
    suites = ET.Element("testsuites", name="netdojo")
    for a in attempts:
        failures = sum(c["score"] < c["points"] - 1e-9 for c in a.checks)
        suite = ET.SubElement(suites, "testsuite", name=f"{a.lab}.{a.student}",
                              tests=str(len(a.checks) or 1), failures=str(failures),
                              errors=str(int(a.status != "graded")), time=f"{a.seconds:.2f}")
        if a.status != "graded":
            case = ET.SubElement(suite, "testcase", classname=f"{a.lab}.{a.student}",
                                 name="grading")
            ET.SubElement(case, "error", message=_status_text(a))
        for c in a.checks:
            case = ET.SubElement(suite, "testcase", classname=f"{a.lab}.{a.student}",
                                 name=c["name"], time=f"{c['seconds']:.2f}")
            if c["score"] < c["points"] - 1e-9:
                ET.SubElement(case, "failure",
                              message=f"{_pts(c['score'])}/{_pts(c['points'])}: {c['message']}")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def class_csv(attempts: list[Attempt], path: Path, missing: list[str] = ()) -> None:
    names = []
    for a in attempts:
        for c in a.checks:
            if c["name"] not in names:
                names.append(c["name"])
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "lab", "status", "score", "max_score", "seconds", "sha256",
                    *names, "message"])
        for a in attempts:
            by = {c["name"]: c["score"] for c in a.checks}
            w.writerow([a.student, a.lab, a.status, a.score, a.max_score, round(a.seconds, 1),
                        a.sha256[:16], *[by.get(n, "") for n in names], a.message])
        for s in missing:
            w.writerow([s, attempts[0].lab if attempts else "", "missing", 0, "", "", "",
                        *[""] * len(names), "no submission"])


def _intake_text(a: Attempt) -> str:
    i = a.intake or {}
    lines = []
    if i.get("refused"):
        lines.append("Not taken (unsafe or too large): " + "; ".join(i["refused"]))
    if i.get("ignored"):
        lines.append("Ignored (not part of this lab): " + ", ".join(i["ignored"][:20])
                     + (" …" if len(i["ignored"]) > 20 else ""))
    return "\n".join(lines)


def feedback_md(a: Attempt) -> str:
    lines = [f"# {a.lab} — feedback for {a.student}", "", f"**{_status_text(a)}**", ""]
    intake = _intake_text(a)
    if intake:
        lines += [intake, ""]
    for c in a.checks:
        if not c["visible"]:
            continue
        mark = "PASS" if c["score"] >= c["points"] - 1e-9 else "MISS"
        lines.append(f"- **{mark} {_pts(c['score'])}/{_pts(c['points'])}** {c['title']}  ")
        lines.append(f"  {c['message']}")
        if mark == "MISS" and c["hint"]:
            lines.append(f"  *Hint:* {c['hint']}")
    hidden = [c for c in a.checks if not c["visible"]]
    if hidden:
        got = sum(c["score"] for c in hidden)
        lines += ["", f"Hidden checks: {len(hidden)}, {_pts(got)}/"
                      f"{_pts(sum(c['points'] for c in hidden))} points (counted in the total)."]
    lines += ["", f"Check your work yourself with `netdojo lab check {a.lab}`."]
    return "\n".join(lines) + "\n"


def feedback_html(a: Attempt) -> str:
    rows = "".join(
        f"<tr class='{'ok' if c['score'] >= c['points'] - 1e-9 else 'miss'}'>"
        f"<td>{_pts(c['score'])}/{_pts(c['points'])}</td><td>{html.escape(c['title'])}</td>"
        f"<td>{html.escape(c['message'])}"
        + (f"<br><em>Hint: {html.escape(c['hint'])}</em>" if c["hint"]
           and c["score"] < c["points"] - 1e-9 else "") + "</td></tr>"
        for c in a.checks if c["visible"])
    intake = html.escape(_intake_text(a)).replace("\n", "<br>")
    return (f"<!doctype html><html lang='en'><meta charset='utf-8'>"
            f"<title>{html.escape(a.lab)}: {html.escape(a.student)}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "td{padding:.3em;border-bottom:1px solid #ddd;vertical-align:top}"
            ".miss td:first-child{color:#b00}.ok td:first-child{color:#070}</style>"
            f"<h1>{html.escape(a.lab)} — {html.escape(a.student)}</h1>"
            f"<p><strong>{html.escape(_status_text(a))}</strong></p><p>{intake}</p>"
            f"<table>{rows}</table></html>\n")


def write_all(attempts: list[Attempt], out: Path, formats: tuple[str, ...] = FORMATS,
              missing: list[str] = ()) -> list[Path]:
    written: list[Path] = []
    for a in attempts:
        d = out / "students" / a.student
        d.mkdir(parents=True, exist_ok=True)
        if "gradescope" in formats:
            (d / "results.json").write_text(json.dumps(gradescope(a), indent=1,
                                                       ensure_ascii=False))
            written.append(d / "results.json")
        if "classroom" in formats:
            (d / "classroom.json").write_text(json.dumps(classroom(a), indent=1,
                                                         ensure_ascii=False))
            written.append(d / "classroom.json")
        if "feedback" in formats:
            (d / "feedback.md").write_text(feedback_md(a))
            (d / "feedback.html").write_text(feedback_html(a))
            written += [d / "feedback.md", d / "feedback.html"]
    if "junit" in formats:
        (out / "junit.xml").write_text(junit(attempts))
        written.append(out / "junit.xml")
    if "csv" in formats:
        class_csv(attempts, out / "grades.csv", missing)
        written.append(out / "grades.csv")
    if "report" in formats:
        written.append(class_report(attempts, out, missing))
    return written
