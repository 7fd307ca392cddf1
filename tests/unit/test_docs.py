"""The documentation holds together: links resolve, the README stays short, and the pages
speak of the project (no issue numbers, no path of anyone's machine).

docs/walkthrough.md is run as written by tests/integration/test_walkthrough.py; the
plan's jq gate by tests/unit/views/test_plan_views.py and the plan integration tests.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from ncplan.errors import StateError
from ncplan.state.backends.local import open_local

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
README_MAX_LINES = 250

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_ISSUE = re.compile(r"\bissues?\s*#?\d+|(?<![\w&/#])#\d+\b|\bitem \d+\)", re.I)
_MACHINE_PATH = re.compile(r"(?<![\w.~$])/(?:work|root|home|Users|tmp)/")


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return _FENCE.sub("", text)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for heading in _HEADING.findall(prose(page.read_text(encoding="utf-8"))):
        base = slug(heading)
        name, count = base, 0
        while name in found:
            count += 1
            name = f"{base}-{count}"
        found.add(name)
    return found


def links(page: Path) -> list[str]:
    """The relative link targets of a page (web and mail links left out)."""
    text = _INLINE_CODE.sub("", prose(page.read_text(encoding="utf-8")))
    return [target for target in _LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def where(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=where)
def test_every_relative_link_resolves(page: Path) -> None:
    broken: list[str] = []
    for target in links(page):
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {where(destination)}")
    assert not broken, f"{where(page)}: " + "; ".join(broken)


def test_links_are_found_and_checked() -> None:
    """The checks above see what they should: a page with links, anchors of headings."""
    assert "docs/walkthrough.md" in links(README)
    assert "plan-and-apply.md#the-json-plan" in links(ROOT / "docs" / "gitops.md")
    assert {"what-no-noise-ignores-and-why", "the-json-plan"} <= anchors(
        ROOT / "docs" / "plan-and-apply.md")
    assert slug('What "no noise" ignores, and why') == "what-no-noise-ignores-and-why"
    assert slug("Apply, destroy and import commands") == "apply-destroy-and-import-commands"


def test_the_readme_is_read_in_five_minutes() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


@pytest.mark.parametrize("page", PAGES, ids=where)
def test_pages_speak_of_the_project(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    issues = [m.group(0) for m in _ISSUE.finditer(text)]
    assert not issues, f"{where(page)} names issues: {issues}"
    paths = [line for line in text.splitlines() if _MACHINE_PATH.search(line)]
    assert not paths, f"{where(page)} holds a path of a machine: {paths}"


def test_the_checks_catch_what_they_look_for() -> None:
    assert _ISSUE.search("Jobspec files (issue 10)")
    assert _ISSUE.search("fixed in #12.")
    assert not _ISSUE.search("`Sources[0]` and `x[#]`, a heading ## 2. Steps")
    assert _MACHINE_PATH.search("python bench/startup.py /work/main .")
    assert _MACHINE_PATH.search("cat > /tmp/echo-db")
    assert not _MACHINE_PATH.search("/usr/local/bin/consul and $demo/tmp/x")


def test_the_readme_shows_the_two_commands() -> None:
    """The first command makes and activates a virtual environment (a bare pip install is
    refused on Debian's and Ubuntu's system Python), then starts the agents; the second
    runs the tests."""
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start"):]
    block = _FENCE.search(quick)
    assert block is not None
    commands = [line for line in block.group(0).splitlines()[1:-1]
                if line and not line.startswith("#")]
    assert commands == [
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]"',
        'scripts/agents build && eval "$(scripts/agents up)"',
        "ncplan -C examples/connect-on-nomad plan",
        "python3 -m pytest",
    ]


def test_the_package_readme_is_this_readme() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (ROOT / project["readme"]).resolve() == README


def test_the_restore_hint_names_a_heading_of_the_docs(tmp_path: Path) -> None:
    """An unreadable state's error sends the reader to a section by its title: that title
    is a heading of plan-and-apply.md, whose steps the state tests run."""
    state = tmp_path / "ncplan.state.json"
    state.write_text("{")
    (tmp_path / "ncplan.state.json.backup").write_text("{}")
    with pytest.raises(StateError) as caught:
        open_local(state).read()
    titles = re.findall(r'see "([^"]+)"', caught.value.hint or "")
    assert titles, caught.value.hint
    page = ROOT / "docs" / "plan-and-apply.md"
    assert {slug(title) for title in titles} <= anchors(page)


def test_no_page_spells_an_intention_address_the_old_way() -> None:
    """Addresses paste unquoted into a shell: `consul_intention.web:db`, `ALL` for `*`.
    Commands and outputs (fenced blocks) and the address forms use that spelling, and no
    page tells the reader to quote an address; prose may still name the older spellings
    where it says they are read."""
    old = re.compile(r"consul_intention\.[\w*-]*->|consul_intention\.\*")
    form = re.compile(r"consul_intention\.SRC->|'consul_intention\.|\"consul_intention\.")
    found: list[str] = []
    for page in [*PAGES, *sorted((ROOT / "examples").rglob("README.md"))]:
        text = page.read_text(encoding="utf-8")
        found += [f"{where(page)}: {m.group(0)}" for block in _FENCE.findall(text)
                  for m in old.finditer(block)]
        found += [f"{where(page)}: {m.group(0)}" for m in form.finditer(text)]
    assert not found, found
