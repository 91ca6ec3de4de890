from netdojo.topo import load_topology
from netdojo.topo.addressing import plan_addresses
from netdojo.topo.serialize import from_dict, to_dict


def test_roundtrip_keeps_addresses(repo):
    t = load_topology(repo / "topologies" / "wan-demo.yaml")
    t2 = from_dict(to_dict(t))
    assert to_dict(t2) == to_dict(t)
    assert plan_addresses(t2).ips == plan_addresses(t).ips


def test_roundtrip_keeps_which_containers_are_pods(repo):
    t = load_topology(repo / "topologies" / "lb-failover.yaml")
    pods = {n for n, v in t.nodes.items() if v.restartable}
    assert pods == {"web1", "web2", "web3"}
    assert {n for n, v in from_dict(to_dict(t)).nodes.items() if v.restartable} == pods
