"""The same bands with sch_netem, where the kernel has it (a stock distro kernel does)."""

import pytest

from . import shaping_checks as checks


@pytest.fixture(autouse=True)
def _needs_netem(caps):
    if not caps.netem:
        pytest.skip(f"no sch_netem in this kernel ({caps.notes.get('netem', '')})")


@pytest.mark.parametrize("delay", [1, 20, 100])
def test_delay(lab, delay):
    checks.check_delay(lab, "netem", delay)


def test_delay_adds_up_over_hops(lab):
    checks.check_multi_hop_delay(lab, "netem")


def test_jitter(lab):
    checks.check_jitter(lab, "netem")


@pytest.mark.parametrize("bw", [10, 100])
def test_rate(lab, bw):
    checks.check_rate(lab, "netem", bw)


def test_loss(lab):
    checks.check_loss(lab, "netem", 5)
