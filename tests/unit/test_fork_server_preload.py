"""The grader's fork server imports what every graded run needs once (grade/worker.py PRELOAD),
and those imports start no thread: a fork server must stay single-threaded for its forks to be
clean."""

from __future__ import annotations

import subprocess
import sys

from netdojo.grade import worker


def test_the_preload_names_the_heavy_imports_of_a_run():
    assert {"pyroute2", "docker"} <= set(worker.PRELOAD)


def test_the_preloaded_modules_start_no_thread():
    code = ("import threading, netdojo.grade.worker as w\n"
            "for m in w.PRELOAD: __import__(m)\n"
            "print(threading.active_count())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
