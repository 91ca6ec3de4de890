from netdojo.spec import load_topology
from netdojo.spec.addressing import plan_addresses
from netdojo.spec.serialize import from_dict, to_dict


def test_roundtrip_keeps_addresses(repo):
    t = load_topology(repo / "topologies" / "wan-demo.yaml")
    t2 = from_dict(to_dict(t))
    assert to_dict(t2) == to_dict(t)
    assert plan_addresses(t2).ips == plan_addresses(t).ips
