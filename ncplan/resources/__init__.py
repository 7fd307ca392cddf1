"""What the configuration asks for, by address: the desired resources and their graph.

Pure. ``address`` builds and parses resource addresses (the only place that does);
``desired`` lowers a ``Config`` to :class:`~ncplan.resources.desired.DesiredResource`
values (``nomad_job`` lowers a service to Nomad Job JSON); ``dependencies`` says which
address needs which; ``graph`` orders them; ``lowered`` is one run's lowering and its
graph; ``payloads`` is the API document ``render`` prints; ``plain`` copies bodies as
plain JSON data.
"""
