"""All I/O with Nomad and Consul, one module per resource type: read, plan, write with
check-and-set, delete; what they read, as pure data (live.py)."""
