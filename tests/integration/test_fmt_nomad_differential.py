"""ncplan fmt against the real ``nomad fmt`` (Nomad 1.6.1, built by ``scripts/agents
build``): byte for byte the same output on every HCL file of examples/ and tests/, every
configuration-like string of the tests that Nomad takes, the real jobspecs of
../shared/real-jobs, copies of all of them with their layout destroyed (no indentation,
blanks collapsed, ``=`` squeezed or widened, tabs), and generated files (hypothesis).

No agent is started: only the binary is run, on files under a temp dir. A missing binary
fails the tests (naming ``scripts/agents build``); the real jobspecs skip when absent,
and fail under CI=true (real_jobs.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import devagents
import pytest
from hypothesis import given, settings

from ncplan.fmt import format_hcl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "config"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "fmt"))

from hcl_corpus import configuration_strings, hcl_files
from hcl_documents import documents
from real_jobs import corpus

ROOT = Path(__file__).resolve().parents[2]

DESTROY: dict[str, Callable[[str], str]] = {
    "as-is": lambda text: text,
    "unindented": lambda text: "\n".join(line.lstrip(" \t") for line in text.split("\n")),
    "collapsed": lambda text: re.sub(r" {2,}", " ", text),
    "squeezed": lambda text: re.sub(r"(?<=[\w\"\])]) *= *(?=[\w\"\[{(<-])", "=", text),
    "widened": lambda text: re.sub(r"(?<=[\w\"]) = (?=[\w\"\[{])", "   =    ", text),
    "tabs": lambda text: re.sub(r"(?m)^( +)", lambda m: "\t" * (len(m.group(1)) // 2), text),
}


def nomad_binary() -> Path:
    binary = devagents.NOMAD.binary
    if devagents.agent_version(binary) is None:
        pytest.fail(f"the fmt differential test needs Nomad's binary at {binary}: run "
                    "`scripts/agents build`", pytrace=False)
    return binary


def nomad_fmt(texts: dict[str, str]) -> dict[str, str | None]:
    """Each text as ``nomad fmt`` writes it (one run over a directory of them), or None
    when Nomad refused it."""
    with tempfile.TemporaryDirectory(prefix="ncplan-fmt-") as folder:
        directory = Path(folder)
        paths = {name: directory / f"{index}.hcl" for index, name in enumerate(texts)}
        for name, path in paths.items():
            path.write_bytes(texts[name].encode("utf-8"))
        run = subprocess.run([str(nomad_binary()), "fmt", "-list=false", str(directory)],
                             capture_output=True, text=True, timeout=300, check=False)
        refused = set(re.findall(r"on (\S+\.hcl) line", run.stderr))
        if run.returncode != 0 and not refused:
            pytest.fail(f"nomad fmt failed: {run.stderr}", pytrace=False)
        return {name: None if str(path) in refused else path.read_bytes().decode("utf-8")
                for name, path in paths.items()}


def _variants(sources: dict[str, str]) -> dict[str, str]:
    return {f"{name} [{how}]": destroy(text)
            for name, text in sources.items() for how, destroy in DESTROY.items()}


def _differences(texts: dict[str, str], *, all_valid: bool) -> list[str]:
    expected = nomad_fmt(texts)
    found = []
    for name, text in texts.items():
        wanted = expected[name]
        ours = format_hcl(text)
        if wanted is None:
            if all_valid:
                found.append(f"{name}: nomad fmt refused it")
            continue
        if not ours.ok:
            found.append(f"{name}: ncplan fmt refused what nomad fmt takes: {ours.problems}")
        elif ours.text != wanted:
            found.append(f"{name}: differs from nomad fmt\n  nomad:  {wanted!r}\n"
                         f"  ncplan: {ours.text!r}")
    return found


@pytest.fixture(scope="module")
def repository_files() -> dict[str, str]:
    files = [*hcl_files(), *ROOT.glob("examples/**/*.nomad"), *ROOT.glob("tests/**/*.nomad")]
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for path in sorted(set(files))}


def test_the_repository_s_hcl_files_are_found(repository_files: dict[str, str]) -> None:
    assert len(repository_files) >= 10
    assert any(name.startswith("examples/") for name in repository_files)


def test_every_hcl_file_of_the_repository_formats_as_nomad_fmt(
        repository_files: dict[str, str]) -> None:
    assert _differences(_variants(repository_files), all_valid=True) == []


def test_every_configuration_string_of_the_tests_formats_as_nomad_fmt() -> None:
    """The tests' strings include invalid ones on purpose: those Nomad refuses are left."""
    strings = dict(configuration_strings())
    taken = {name: text for name, text in nomad_fmt(strings).items() if text is not None}
    assert len(taken) > 30
    assert _differences(_variants({name: strings[name] for name in taken}),
                        all_valid=False) == []


def test_every_real_jobspec_formats_as_nomad_fmt() -> None:
    folder = corpus()
    jobs = {str(path.relative_to(folder)): path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("*/*.hcl"))}
    assert len(jobs) >= 8
    assert _differences(_variants(jobs), all_valid=True) == []


@pytest.fixture(scope="module")
def nomad() -> Iterator[Path]:
    yield nomad_binary()


@settings(max_examples=150)
@given(text=documents())
def test_generated_files_format_as_nomad_fmt(nomad: Path, text: str) -> None:
    expected = nomad_fmt({"generated": text})["generated"]
    assert expected is not None, "nomad fmt refused a generated file"
    ours = format_hcl(text)
    assert ours.problems == ()
    assert ours.text == expected
