"""A policy written for Terraform plans (``terraform show -json``), in plain Python.

It reads only Terraform's keys: ``resource_changes[].type`` and ``change.actions``. A
replace (``["delete", "create"]``, or ``["create", "delete"]`` for create-before-destroy)
counts as one delete and one create; ``no-op`` and ``read`` count nothing. The policy
denies any delete.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

COUNTED = ("create", "update", "delete")


def count_by_type(plan: Mapping[str, Any]) -> dict[str, Counter[str]]:
    """``{type: Counter({"create": n, "update": n, "delete": n})}``."""
    counts: dict[str, Counter[str]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        counter = counts.setdefault(change["type"], Counter())
        for action in actions:
            if action in COUNTED:
                counter[action] += 1
    return counts


def deny(plan: Mapping[str, Any]) -> list[str]:
    """One message per resource the plan would delete (a replace deletes too)."""
    return [f"{change['address']}: deleting a {change['type']} is not allowed"
            for change in plan.get("resource_changes", [])
            if "delete" in change["change"]["actions"]]
