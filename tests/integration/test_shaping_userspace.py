"""The userspace shaper (NFQUEUE delay line + xt_statistic + htb) meets the fidelity bands."""

import pytest

from . import shaping_checks as checks


@pytest.fixture(autouse=True)
def _needs_userspace(caps):
    if not caps.userspace_shaper:
        pytest.skip("no NFQUEUE/physdev/statistic/br_netfilter: see `netdojo doctor`")


@pytest.mark.parametrize("delay", [1, 20, 100])
def test_delay(lab, delay):
    checks.check_delay(lab, "userspace", delay)


def test_delay_adds_up_over_hops(lab):
    checks.check_multi_hop_delay(lab, "userspace")


def test_jitter(lab):
    checks.check_jitter(lab, "userspace")


@pytest.mark.parametrize("bw", [10, 100])
def test_rate(lab, bw):
    checks.check_rate(lab, "userspace", bw)


def test_loss(lab):
    checks.check_loss(lab, "userspace", 5)
