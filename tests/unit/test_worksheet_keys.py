"""Every answer key a lab's checks grade is asked for in both of its worksheets (issue 17.4): a
key no worksheet names is a point no student can earn."""

import pytest

from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.freepoints import graded_keys  # the one pattern of how checks read answers


@pytest.mark.parametrize("lab_id", lab_ids())
def test_every_graded_key_is_in_both_worksheets(lab_id):
    lab = find_lab(lab_id)
    keys = graded_keys(lab)
    if (lab.dir / "starter" / "answers.yaml").is_file():
        assert keys, f"{lab_id}: no answer key found in checks.py (the pattern needs updating)"
    for sheet in ("README.md", "README.ko.md"):
        text = (lab.dir / sheet).read_text()
        missing = sorted(k for k in keys if f"`{k}" not in text and f"{k}:" not in text)
        assert not missing, f"{lab_id}/{sheet} never asks for {missing}"
