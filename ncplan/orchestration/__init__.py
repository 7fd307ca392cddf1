"""The operations the commands call: a plan (load, lower, graph, state and refresh under
the lock, diff), apply and destroy, import, and loading for the read-only commands. Below
the commands, above the views, the planner, the providers and the state."""
