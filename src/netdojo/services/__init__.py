"""Services layer: config rendered from the topology, checked by each daemon's own checker,
started in its container, and waited on with a readiness probe."""

from netdojo.services.startup import start_services

__all__ = ["start_services"]
