"""``ncplan fmt``'s formatter: HCL text in, the same text in the canonical style out.

The canonical style is HashiCorp's (hclwrite, as ``terraform fmt`` and ``nomad fmt``
write it): only the spaces between tokens change (indentation, one space or none
between tokens, ``=`` and trailing comments aligned), never a token, a comment or a
line break. The text is read with the project's own HCL parser (its concrete syntax
tree), so a file it cannot parse is not formatted: its syntax errors are returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from ncplan.config.hcl import syntax_tree
from ncplan.config.syntax import SyntaxProblem
from ncplan.fmt.layout import lay_out
from ncplan.fmt.tokens import cut

_BOM = "\ufeff"


@dataclass(frozen=True)
class Formatted:
    """The formatted text, or the syntax errors that kept the text from being formatted."""

    text: str
    problems: tuple[SyntaxProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def format_hcl(text: str) -> Formatted:
    """``text`` in the canonical style (a byte-order mark is dropped, as hclwrite does)."""
    if text.startswith(_BOM):
        text = text[len(_BOM):]
    root, problems = syntax_tree(text)
    if problems:
        return Formatted(text, problems)
    tokens = cut(text.encode("utf-8"), root)
    lay_out(tokens)
    out = b"".join(b" " * token.spaces + token.text for token in tokens)
    return Formatted(out.decode("utf-8"))
