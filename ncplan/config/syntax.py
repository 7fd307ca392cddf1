"""The parsed form of one HCL file: blocks and attributes with their positions.

This is what the HCL parser (``hcl.py``) tells us about a file, before variables, types
or meaning. It is plain data that round-trips through JSON, so the parse cache can store
it; the loader turns it into the typed model (``ncplan.config.model``) for each run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pos:
    """A range in a file: 1-based line/column (end exclusive) and character offsets."""

    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def to_json(self) -> list[int]:
        return [self.line, self.column, self.end_line, self.end_column, self.start, self.end]

    @classmethod
    def from_json(cls, data: list[int]) -> Pos:
        line, column, end_line, end_column, start, end = data
        return cls(line, column, end_line, end_column, start, end)


@dataclass(frozen=True)
class RawAttribute:
    """``name = value``; ``value`` as ``hclvalue`` reads it (``var.x`` -> ``"${var.x}"``)."""

    name: str
    value: Any
    pos: Pos

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "pos": self.pos.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawAttribute:
        return cls(data["name"], data["value"], Pos.from_json(data["pos"]))


@dataclass(frozen=True)
class RawBlock:
    """``type "label"... { ... }``.

    ``body`` is the whole body as one value (``hcl.body_value``); it is only kept for top-level
    ``job`` blocks (raw jobs are passed through, not decoded).
    """

    type: str
    labels: tuple[str, ...]
    label_pos: tuple[Pos, ...]
    pos: Pos
    attributes: tuple[RawAttribute, ...] = ()
    blocks: tuple[RawBlock, ...] = ()
    body: Any = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "labels": list(self.labels),
            "label_pos": [p.to_json() for p in self.label_pos],
            "pos": self.pos.to_json(),
            "attributes": [a.to_json() for a in self.attributes],
            "blocks": [b.to_json() for b in self.blocks],
        }
        if self.body is not None:
            data["body"] = self.body
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawBlock:
        return cls(
            type=data["type"],
            labels=tuple(data["labels"]),
            label_pos=tuple(Pos.from_json(p) for p in data["label_pos"]),
            pos=Pos.from_json(data["pos"]),
            attributes=tuple(RawAttribute.from_json(a) for a in data["attributes"]),
            blocks=tuple(RawBlock.from_json(b) for b in data["blocks"]),
            body=data.get("body"),
        )


@dataclass(frozen=True)
class SyntaxProblem:
    """A syntax error, already phrased for a person."""

    message: str
    line: int
    column: int

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "line": self.line, "column": self.column}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SyntaxProblem:
        return cls(data["message"], data["line"], data["column"])


@dataclass(frozen=True)
class ParsedFile:
    """One file: its top-level attributes and blocks, or every syntax error found in it."""

    attributes: tuple[RawAttribute, ...] = ()
    blocks: tuple[RawBlock, ...] = ()
    errors: tuple[SyntaxProblem, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "attributes": [a.to_json() for a in self.attributes],
            "blocks": [b.to_json() for b in self.blocks],
            "errors": [e.to_json() for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ParsedFile:
        return cls(
            attributes=tuple(RawAttribute.from_json(a) for a in data["attributes"]),
            blocks=tuple(RawBlock.from_json(b) for b in data["blocks"]),
            errors=tuple(SyntaxProblem.from_json(e) for e in data["errors"]),
        )
