"""Counting, in one CLI run, how often the configuration is lowered, the resource graph
built and ``prevent_destroy`` checked: every reference a module of ncplan holds to
``lower_config`` and ``check_prevent_destroy`` is wrapped (wherever it was imported; every
module of ncplan is imported first, so a lazy import cannot keep the original), and
``ResourceGraph.of`` on its class."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

import ncplan
from ncplan.planner import guards
from ncplan.resources import desired
from ncplan.resources.graph import ResourceGraph

COUNTED = {"lowerings": (desired, "lower_config"),
           "prevent_destroy checks": (guards, "check_prevent_destroy")}


def _counting(counts: Counter[str], name: str,
              function: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        return function(*args, **kwargs)
    return counted


def count_run_steps(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """A counter the wrapped functions add to, under ``lowerings``, ``graphs`` and
    ``prevent_destroy checks`` (every key present, at 0)."""
    for module in pkgutil.walk_packages(ncplan.__path__, "ncplan."):
        if not module.name.endswith("__main__"):  # every reference in place first
            importlib.import_module(module.name)
    counts: Counter[str] = Counter({"lowerings": 0, "graphs": 0, "prevent_destroy checks": 0})
    for name, (home, attribute) in COUNTED.items():
        original = getattr(home, attribute)
        counted = _counting(counts, name, original)
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("ncplan") \
                    and getattr(module, attribute, None) is original:
                monkeypatch.setattr(module, attribute, counted)
    graph_of = ResourceGraph.of.__func__  # type: ignore[attr-defined]

    def counted_graph(cls: type[ResourceGraph], *args: Any) -> ResourceGraph:
        counts["graphs"] += 1
        return graph_of(cls, *args)  # type: ignore[no-any-return]
    monkeypatch.setattr(ResourceGraph, "of", classmethod(counted_graph))
    return counts
