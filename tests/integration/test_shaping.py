"""Each available shaper meets the fidelity bands: the userspace line (NFQUEUE delay line +
xt_statistic + htb) everywhere, netem where the kernel has it (a stock distro kernel does)."""

import pytest

from . import shaping_checks as checks


@pytest.fixture(params=["userspace", "netem"])
def shaper(request, caps):
    if request.param == "netem" and not caps.netem:
        pytest.skip(f"no sch_netem in this kernel ({caps.notes.get('netem', '')})")
    if request.param == "userspace" and not caps.userspace_shaper:
        pytest.skip("no NFQUEUE/physdev/statistic/br_netfilter: see `netdojo doctor`")
    return request.param


@pytest.mark.parametrize("delay", [1, 20, 100])
def test_delay(lab, shaper, delay):
    checks.check_delay(lab, shaper, delay)


def test_delay_adds_up_over_hops(lab, shaper):
    checks.check_multi_hop_delay(lab, shaper)


def test_jitter(lab, shaper):
    checks.check_jitter(lab, shaper)


@pytest.mark.parametrize("bw", [10, 100])
def test_rate(lab, shaper, bw):
    checks.check_rate(lab, shaper, bw)


def test_loss(lab, shaper):
    checks.check_loss(lab, shaper, 5)
