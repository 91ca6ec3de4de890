import pytest

from netdojo.net import lifecycle
from netdojo.net.capabilities import probe

from .helpers import snapshot
from .lab_helpers import labelled_containers

# the web console's fixtures: a `netdojo web` on linear,2, and headless chromium
from .web_helpers import browser, web_linear  # noqa: F401


@pytest.fixture(scope="session")
def caps():
    return probe()


@pytest.fixture
def clean():
    """Asserts the test left no namespace, root link or run record behind."""
    before = snapshot()
    yield
    after = snapshot()
    assert after["netns"] <= before["netns"], f"namespaces left: {after['netns'] - before['netns']}"
    assert after["links"] <= before["links"], f"root links left: {after['links'] - before['links']}"
    assert after["runs"] <= before["runs"], f"run records left: {after['runs'] - before['runs']}"


@pytest.fixture
def lab(clean):
    """lab(topology, shaper=...) → a detached Network, torn down after the test."""
    made = []

    def make(topo, shaper="auto"):
        net = lifecycle.up(topo, shaper, detached=True)
        made.append(net)
        return net

    yield make
    for net in made:
        net.run.teardown()


@pytest.fixture
def nothing_left():
    """Asserts the test left no namespace, run record or lab container behind."""
    before, ctrs = snapshot(), labelled_containers()
    yield
    after = snapshot()
    assert after["netns"] <= before["netns"], f"namespaces left: {after['netns'] - before['netns']}"
    assert after["runs"] <= before["runs"], "run records left"
    assert labelled_containers() <= ctrs, "containers left"
