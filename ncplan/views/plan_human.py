"""``ncplan plan`` for people: Terraform's layout and wording, styled with Rich.

In order: the ``--no-refresh`` note; "Objects have changed outside of ncplan" when the
refresh found drift; the legend of the symbols used and one ``# ADDR will be ...`` block
per resource (its diff, Nomad's scheduler annotations and placement failures); the apply
order; the summary line; the warnings (targeting first). Colour only where the console
has it (:func:`ncplan.views.console.make_console` turns it off for NO_COLOR and pipes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.console import Console
from rich.control import strip_control_codes
from rich.text import Text

from ncplan.planner.model import Action, Plan, PlanMode, ResourceChange
from ncplan.views import plan_lines
from ncplan.views.attribute_diff import DiffLine
from ncplan.views.console import make_console
from ncplan.views.nomad_diff import annotation_text, failure_reasons, failure_title

SIGN_STYLES = {"+": "green", "-": "red", "~": "yellow"}
RULE = "─" * 77


def print_plan(plan: Plan, *, color: bool = True) -> None:
    """Write the plan to stdout."""
    render_plan(make_console(stderr=False, color=color), plan)


def render_plan(console: Console, plan: Plan) -> None:
    if not plan.read_live:
        _say(console, plan_lines.NO_REFRESH)
        console.print()
    if plan.drift:
        _drift_section(console, plan)
    if plan.mode is PlanMode.REFRESH_ONLY:
        if not plan.drift:
            _no_changes(console, plan)
    elif plan.is_empty():
        _no_changes(console, plan)
    else:
        _changes(console, plan)
    _warnings(console, plan)


def _say(console: Console, text: str | Text) -> None:
    """One line as given: no markup, no highlighting, never wrapped by Rich."""
    if _plain(console):
        _write(console, [text if isinstance(text, str) else text.plain])
    else:
        console.print(Text(text) if isinstance(text, str) else text, soft_wrap=True)


def _plain(console: Console) -> bool:
    """Whether the console writes no style (no colour: ``NO_COLOR``, ``--no-color``, a
    pipe). Then a line is written as the text Rich would write, without Rich's layout
    of it: the 51,000 lines of a 500-service plan took 1.2 s through it."""
    return console.color_system is None


def _write(console: Console, lines: Iterable[str]) -> None:
    """``lines`` as Rich writes a Text with ``soft_wrap``: control codes dropped, tabs
    expanded to 8 columns, a newline after each; flushed, as Rich flushes each print."""
    console.file.write("".join(f"{strip_control_codes(line).expandtabs(8)}\n"
                               for line in lines))
    console.file.flush()


def _styled_sign(sign: str) -> Text:
    if sign == "-/+":
        return Text.assemble(("-", "red"), "/", ("+", "green"))
    return Text(sign, style=SIGN_STYLES.get(sign, ""))


def print_lines(console: Console, lines: Iterable[DiffLine]) -> None:
    """Diff lines at Terraform's indentation, the sign coloured. One print for all of
    them: Rich's cost is per print (a plan of 200 jobs took 3.5 s in 20,000 prints)."""
    if _plain(console):
        plain = [line.plain() for line in lines]
        _write(console, ["\n".join(plain)] if plain else [])
        return
    texts = []
    for line in lines:
        text = Text.assemble(line.pad, _styled_sign(line.sign), " ", line.text)
        text.rstrip()
        texts.append(text)
    if texts:
        _say(console, Text("\n").join(texts))


def _comment(console: Console, text: str, style: str = "") -> None:
    _say(console, Text("  # ") + Text(text, style=style))


def _drift_section(console: Console, plan: Plan) -> None:
    _say(console, Text.assemble(("Note:", "bold"), " ", (plan_lines.DRIFT_TITLE, "bold")))
    console.print()
    _say(console, plan_lines.DRIFT_INTRO)
    for drift in plan.drift:
        console.print()
        _comment(console, plan_lines.drift_header(drift), "bold")
        if drift.reason:
            _comment(console, f"({drift.reason})")
        print_lines(console, plan_lines.drift_lines(drift))
    console.print()
    refresh_only = plan.mode is PlanMode.REFRESH_ONLY
    _say(console, plan_lines.DRIFT_REFRESH_ONLY if refresh_only else plan_lines.DRIFT_NORMAL)
    if not refresh_only:
        console.print()
        _say(console, RULE)
        console.print()


def _no_changes(console: Console, plan: Plan) -> None:
    _say(console, Text(plan_lines.summary_line(plan), style="bold green"))
    console.print()
    _say(console, plan_lines.empty_detail(plan))


def _changes(console: Console, plan: Plan) -> None:
    _say(console, plan_lines.INTRO)
    for symbol, meaning in plan_lines.legend(plan):
        _say(console, Text.assemble(" " * (3 - len(symbol)), _styled_sign(symbol), " ", meaning))
    console.print()
    _say(console, plan_lines.ACTIONS_INTRO)
    groups = plan_lines.cluster_groups(plan)
    for group in groups:
        console.print()
        _say(console, Text(group.header, style="bold"))
        for change in group.changes:
            console.print()
            _change(console, change)
    for change in () if groups else plan.actionable:
        console.print()
        _change(console, change)
    for address in plan.forgotten:
        console.print()
        _comment(console, plan_lines.forgotten_header(address), "bold")
    if plan.apply_order:
        console.print()
        _say(console, Text("Apply order:", style="bold"))
        for number, batch in enumerate(order_entries(plan), start=1):
            _say(console, f"  {number}. {', '.join(batch)}")
    console.print()
    _say(console, Text(plan_lines.summary_line(plan), style="bold"))


def order_entries(plan: Plan) -> list[list[str]]:
    """The apply order's batches as printed: a replaced address is there twice, as the
    engine takes it, ``ADDR (destroy)`` then ``ADDR (create)``."""
    listed = Counter(a for batch in plan.apply_order for a in batch)
    replaced = {c.address for c in plan.changes
                if c.action is Action.REPLACE and listed[c.address] == 2}
    seen: set[str] = set()
    batches = []
    for batch in plan.apply_order:
        entries = []
        for address in batch:
            if address in replaced:
                entries.append(f"{address} ({'create' if address in seen else 'destroy'})")
                seen.add(address)
            else:
                entries.append(address)
        batches.append(entries)
    return batches


def _change(console: Console, change: ResourceChange) -> None:
    _comment(console, plan_lines.change_header(change), "bold")
    if change.reason:
        _comment(console, f"({change.reason})")
    print_lines(console, plan_lines.change_lines(change))
    plan = change.nomad_plan
    if plan is None:
        return
    for annotation in plan.annotations:
        _say(console, Text("    Nomad scheduler: ", style="dim")
                      + Text(annotation_text(annotation)))
    for failure in plan.failures:
        _say(console, Text(f"    Placement failure: {failure_title(failure)}", style="bold red"))
        for reason in failure_reasons(failure):
            _say(console, Text(f"      {reason}", style="red"))
    if plan.warnings:
        _say(console, Text(f"    Nomad warning: {plan.warnings.strip()}", style="yellow"))


def _warnings(console: Console, plan: Plan) -> None:
    """``Warning: SUMMARY``, ``  in ADDR``, then the detail; targeting first."""
    for warning in plan_lines.plan_warnings(plan):
        console.print()
        _say(console, Text.assemble(("Warning:", "bold yellow"), " ", (warning.summary, "bold")))
        if warning.address:
            _say(console, f"  in {warning.address}")
        if warning.detail:
            console.print()
            for line in warning.detail.splitlines():
                _say(console, f"  {line}".rstrip())
