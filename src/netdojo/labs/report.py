"""A lab check's result as a student reads it: each visible check with its points, the reason,
and the hint when it missed; hidden checks counted, not shown; the total and what to do next."""

from __future__ import annotations

from netdojo.labs.runner import LabReport


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def format_report(rep: LabReport, lab_id: str) -> str:
    out = [f"{rep.lab} — student {rep.student}", "your values: "
           + (", ".join(f"{k}={v}" for k, v in rep.shown_params.items()) or "none")]
    for name, f in rep.files.items():
        state = "ok" if f["ok"] else ("problem" if f["error"] else f["origin"])
        out.append(f"  file {name}: {f['origin']}" + ("" if state == f["origin"] else
                                                       f" — {state}"))
        if f["error"]:
            out.append(f"      {f['error']}")
        for note in f["notes"][:10]:
            out.append(f"      note: {note}")
    if rep.ignored:
        out.append(f"  ignored (not part of this lab): {', '.join(rep.ignored)}")
    out.append("")
    visible = [r for r in rep.results if r.visible]
    hidden = [r for r in rep.results if not r.visible]
    for r in visible:
        mark = "PASS" if r.full else ("PART" if r.score > 0 else "FAIL")
        out.append(f"  {mark}  {_pts(r.score):>4}/{_pts(r.points):<3} {r.title}")
        out.append(f"              {r.message}")
        if not r.full and r.hint:
            out.append(f"              hint: {r.hint}")
    if hidden:
        out.append(f"  ....  {len(hidden)} hidden check(s) worth "
                   f"{_pts(sum(r.points for r in hidden))} points: counted in the total, "
                   "not shown")
    elif rep.visible_only:
        out.append("  ....  this copy of the lab has its visible checks only: your instructor's "
                   "grade adds hidden ones")
    pct = 100 * rep.score / rep.max_score if rep.max_score else 0
    out.append("")
    out.append(f"total: {_pts(rep.score)}/{_pts(rep.max_score)} points ({pct:.0f} %) "
               f"in {rep.seconds:.0f} s")
    if rep.full_marks:
        out.append("full marks — nothing left to do.")
    else:
        out.append(f"fix what FAIL/PART points at, then run `netdojo lab check {lab_id}` "
                   "again (`netdojo lab show " + lab_id + "` has the worksheet).")
    return "\n".join(out)
