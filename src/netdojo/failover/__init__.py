"""Load-balancer failover, reproduced: a fault timeline against HAProxy variants under load."""
