"""`make cluster-check`: the portal as a cluster on PostgreSQL and Redis (cluster/check.py)."""
