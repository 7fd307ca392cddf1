"""Planning: the resource graph and apply order (graph), later diff, plan files, apply."""
