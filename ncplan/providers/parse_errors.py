"""Nomad's ``/v1/jobs/parse`` messages, located in the configuration's own files.

Nomad names the job text ``input.hcl`` and the variable values it was given ``input.hcl``
too (``input.hcl:12,3-10: Unsuitable value type; ...``). ncplan sends a whole jobspec file,
or a ``job`` block's text from line N of an ncplan file, and one variable per line; so a
place in the job text is ``FILE:LINE:COL`` of that file, and a place in the values is the
variable on that line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PLACE = re.compile(r"input\.hcl:(\d+),(\d+)(?:-\d+)?")
_VALUE = re.compile(r"input\.hcl:(\d+),\d+(?:-\d+)?: (Invalid value for (?:varfile )?variable)")
_NO_PLACE = "<nil>: "


def locate(message: str, file: str, first_line: int, variables: Sequence[str]) -> str:
    """``message`` with Nomad's ``input.hcl`` places rewritten (see the module docstring)."""
    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        name = variables[index] if 0 <= index < len(variables) else "?"
        return f'the value given for variable "{name}": {match.group(2)}'

    def place(match: re.Match[str]) -> str:
        line = int(match.group(1)) + first_line - 1
        return f"{file}:{line}:{match.group(2)}"

    located = _VALUE.sub(value, message)
    return _PLACE.sub(place, located).replace(_NO_PLACE, "")
