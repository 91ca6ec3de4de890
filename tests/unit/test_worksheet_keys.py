"""Every answer key a lab's checks grade is asked for in both of its worksheets (issue 17.4): a
key no worksheet names is a point no student can earn."""

import re

import pytest

from netdojo.labs.catalog import find_lab, lab_ids

# the ways checks.py reads a student's answers (ctx.answer, ctx.answers().get and the labs'
# own helpers that take an answer key)
READS = re.compile(r'(?:ctx\.answer\(|answers\(\)\.get\(|_block\(ctx, |block_of\(ctx, |'
                   r'number_in\(ctx\.answers\(\), |_answer\(ctx, \w+, |'
                   r'_student_groups\(ctx, \w+, )"([a-z_0-9]+)"')


@pytest.mark.parametrize("lab_id", lab_ids())
def test_every_graded_key_is_in_both_worksheets(lab_id):
    lab = find_lab(lab_id)
    keys = set(READS.findall((lab.dir / "checks.py").read_text()))
    if (lab.dir / "starter" / "answers.yaml").is_file():
        assert keys, f"{lab_id}: no answer key found in checks.py (the pattern needs updating)"
    for sheet in ("README.md", "README.ko.md"):
        text = (lab.dir / sheet).read_text()
        missing = sorted(k for k in keys if f"`{k}" not in text and f"{k}:" not in text)
        assert not missing, f"{lab_id}/{sheet} never asks for {missing}"
