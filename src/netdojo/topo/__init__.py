"""Spec layer: topology files and Python builders → one validated model. Knows no kernel."""

from netdojo.topo.generators import bus, linear, mesh, ring, star, tree
from netdojo.topo.loader import load_topology, parse_topology
from netdojo.topo.model import Endpoint, Link, LinkParams, Node, Route, Topology
from netdojo.topo.profiles import PROFILES

__all__ = [
    "PROFILES", "Endpoint", "Link", "LinkParams", "Node", "Route", "Topology",
    "bus", "linear", "load_topology", "mesh", "parse_topology", "ring", "star", "tree",
]
