"""Planning: the Plan model, the diff of desired resources against state and live
objects, plan files and the apply engine. The desired resources and their graph come
from :mod:`ncplan.resources`."""
