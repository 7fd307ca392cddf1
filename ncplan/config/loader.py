"""``load_config``: a configuration directory -> a validated ``Config`` and its warnings.

Every ``*.hcl`` in the directory is read in name order (``*.ncvars.hcl`` are variable
files); each is parsed once per content (see ``cache``). All diagnostics of the run are
collected; if any is an error, ``ConfigError`` carries them all.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ncplan.config import decode, validate
from ncplan.config.body import check_labels, unknown_name_detail
from ncplan.config.cache import ParseCache
from ncplan.config.clusters import check_placements, read_clusters
from ncplan.config.collector import Sink, Where
from ncplan.config.entry_checks import check_entries
from ncplan.config.entry_files import is_entry_file, read_entry_file
from ncplan.config.entry_model import ConsulEntry
from ncplan.config.hcl import parse_hcl
from ncplan.config.interpolate import INVALID, Expander
from ncplan.config.jobspec import (
    Sources,
    inline_job,
    is_jobspec,
    jobspec,
    jobspec_variable_names,
)
from ncplan.config.locals import read_locals
from ncplan.config.model import (
    ApplyBehaviour,
    BackendConfig,
    Config,
    ConsulSettings,
    Defaults,
    NomadSettings,
)
from ncplan.config.schema import TOP_LEVEL
from ncplan.config.syntax import ParsedFile, Pos, RawBlock
from ncplan.config.variables import ValueFile, declare, resolve
from ncplan.diagnostics import Diagnostic
from ncplan.errors import ConfigError

VARS_SUFFIX = ".ncvars.hcl"


@dataclass(frozen=True)
class LoadResult:
    """A valid configuration and the warnings found on the way."""

    config: Config
    warnings: tuple[Diagnostic, ...] = ()


def _read(path: Path, name: str, sink: Sink, cache: ParseCache | None) -> ParsedFile | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        sink.error(f"cannot read {name}: {error}", None)
        return None
    sink.add_source(name, text)
    parsed = cache.parse(text, parse_hcl) if cache else parse_hcl(text)
    for problem in parsed.errors:
        pos = Pos(problem.line, problem.column, problem.line, problem.column + 1, 0, 0)
        sink.error(f"syntax error: {problem.message}", Where(name, pos),
                   "fix the HCL syntax at this place")
    return None if parsed.errors else parsed


@dataclass(frozen=True)
class _Files:
    """The parsed files of a run: configuration files and variable-value files."""

    found: bool
    config: tuple[tuple[str, ParsedFile], ...]
    values: tuple[ValueFile, ...]
    jobspecs: tuple[tuple[str, ParsedFile], ...] = ()
    entries: tuple[ConsulEntry, ...] = ()
    entry_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Settings:
    """The single-instance blocks, decoded (their defaults when absent)."""

    nomad: NomadSettings
    consul: ConsulSettings
    backend: BackendConfig
    defaults: Defaults
    apply: ApplyBehaviour


Blocks = dict[str, list[tuple[str, RawBlock]]]
_T = TypeVar("_T")


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for one load.

    A load allocates hundreds of thousands of small objects that all stay alive (the parsed
    files), so every automatic collection walks all of them again and finds nothing: at
    5,000 services that was 40% of the run. Reference counting still frees everything;
    the collector is restored (and runs on its own schedule) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_config(directory: Path, var_overrides: Sequence[str] = (),
                var_files: Sequence[Path] = (), *,
                env: Mapping[str, str] | None = None,
                use_cache: bool | None = None) -> LoadResult:
    """Load, resolve and validate the configuration in ``directory``.

    Raises ``ConfigError`` with every diagnostic when there is any error.
    """
    with _without_cycle_collection():
        return _load(directory, var_overrides, var_files,
                     os.environ if env is None else env, use_cache)


def _load(directory: Path, var_overrides: Sequence[str], var_files: Sequence[Path],
          env: Mapping[str, str], use_cache: bool | None) -> LoadResult:
    sink = Sink()
    files = _read_files(directory, var_files, sink, ParseCache(directory, enabled=use_cache))
    if not files.found:
        sink.error(f"no configuration files (*.hcl) in {directory}", None,
                   "run ncplan in a configuration directory, or pass -C DIR")
    blocks = _top_level_blocks(files.config, sink)
    declared = declare(blocks["variable"], sink)
    in_jobspecs = jobspec_variable_names(files.jobspecs)
    variables = resolve(declared, env, files.values, var_overrides, sink, in_jobspecs)
    expander = Expander(sink, {n: INVALID if v.value is None else v.value
                               for n, v in variables.items()},
                        locals_=read_locals(blocks["locals"], sink))
    settings = _settings(blocks, sink, expander)
    decoded = _decode(blocks, sink, expander, settings.defaults)
    sources = Sources(env, files.values, var_overrides, variables)
    for name, parsed in files.jobspecs:
        found = jobspec(name, parsed, sink, sources)
        if found is not None:
            decoded.jobs.append(found)
    validate.check(decoded, sink)
    clusters = read_clusters(blocks["cluster"], sink, expander)
    check_placements(clusters, [s for s, _ in decoded.services],
                     [i for i, _ in decoded.intentions], [j for j, _ in decoded.jobs],
                     files.entries, sink)
    check_entries(files.entries, tuple(s for s, _ in decoded.services), sink)
    if sink.has_errors:
        raise ConfigError(sink.diagnostics)
    config = Config(
        directory=str(directory),
        files=tuple(sorted([name for name, _ in files.config]
                           + [name for name, _ in files.jobspecs] + list(files.entry_files))),
        nomad=settings.nomad,
        consul=settings.consul,
        backend=settings.backend,
        defaults=settings.defaults,
        apply=settings.apply,
        variables=variables,
        services=tuple(s for s, _ in decoded.services),
        jobs=tuple(j for j, _ in decoded.jobs),
        intentions=tuple(i for i, _ in decoded.intentions),
        consul_entries=files.entries,
        clusters=clusters,
    )
    return LoadResult(config=config, warnings=tuple(sink.diagnostics))


def check_config(directory: Path, var_overrides: Sequence[str] = (),
                 var_files: Sequence[Path] = ()) -> tuple[Diagnostic, ...]:
    """Every diagnostic of loading ``directory``, errors and warnings, without raising."""
    try:
        return load_config(directory, var_overrides, var_files).warnings
    except ConfigError as error:
        return error.diagnostics


def _read_files(directory: Path, var_files: Sequence[Path], sink: Sink,
                cache: ParseCache) -> _Files:
    """Every ``*.hcl`` and ``*.nomad`` of ``directory`` in name order, then the
    ``--var-file`` files."""
    paths = sorted(p for p in directory.iterdir()
                   if p.is_file() and (p.name.endswith((".hcl", ".nomad"))
                                       or is_entry_file(p.name)))
    config_files: list[tuple[str, ParsedFile]] = []
    value_files: list[ValueFile] = []
    jobspecs: list[tuple[str, ParsedFile]] = []
    entries: list[ConsulEntry] = []
    entry_files: list[str] = []
    for path in paths:
        if is_entry_file(path.name):
            entry_files.append(path.name)
            entry = _read_entry(path, sink)
            if entry is not None:
                entries.append(entry)
            continue
        is_values = path.name.endswith(VARS_SUFFIX)  # values may be secrets: not cached
        parsed = _read(path, path.name, sink, None if is_values else cache)
        if parsed is None:
            continue
        if is_values:
            value_files.append(ValueFile(path.name, parsed))
        elif is_jobspec(path.name):
            jobspecs.append((path.name, parsed))
        else:
            config_files.append((path.name, parsed))
    cache.prune()
    for var_file in var_files:
        parsed = _read(var_file, str(var_file), sink, None)
        if parsed is not None:
            value_files.append(ValueFile(str(var_file), parsed))
    return _Files(bool(paths), tuple(config_files), tuple(value_files), tuple(jobspecs),
                  tuple(entries), tuple(entry_files))


def _read_entry(path: Path, sink: Sink) -> ConsulEntry | None:
    """One ``*.consul.hcl`` / ``*.consul.json`` entry file (not cached: it is small)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        sink.error(f"cannot read {path.name}: {error}", None)
        return None
    sink.add_source(path.name, text)
    return read_entry_file(path.name, text, sink)


def _top_level_blocks(config_files: Sequence[tuple[str, ParsedFile]], sink: Sink) -> Blocks:
    """The top-level blocks by type, labels checked; attributes and unknown types are errors."""
    blocks: Blocks = {kind: [] for kind in TOP_LEVEL}
    for name, parsed in config_files:
        for attribute in parsed.attributes:
            sink.error(f'unexpected attribute "{attribute.name}" at the top level',
                       Where(name, attribute.pos),
                       "attributes belong inside a block; variable values go in a "
                       f"*{VARS_SUFFIX} file")
        for block in parsed.blocks:
            spec = TOP_LEVEL.get(block.type)
            if spec is None:
                sink.error(f'unknown block type "{block.type}"', Where(name, block.pos),
                           unknown_name_detail(block.type, TOP_LEVEL,
                                               "blocks: " + ", ".join(TOP_LEVEL)))
            elif check_labels(block, spec, name, sink):
                blocks[block.type].append((name, block))
    return blocks


def _settings(blocks: Blocks, sink: Sink, expander: Expander) -> _Settings:
    """The ``nomad``, ``consul``, ``backend``, ``defaults`` and ``apply`` blocks, in that
    order."""
    def single(kind: str, decoder: Callable[[RawBlock, str, Sink, Expander], _T],
               default: _T) -> _T:
        found = blocks[kind]
        for name, block in found[1:]:
            sink.error(f"duplicate {kind} block", Where(name, block.pos),
                       f"the first {kind} block is at {found[0][0]}:{found[0][1].pos.line}")
        if not found:
            return default
        name, block = found[0]
        return decoder(block, name, sink, expander)

    return _Settings(
        nomad=single("nomad", decode.nomad, NomadSettings()),
        consul=single("consul", decode.consul, ConsulSettings()),
        backend=single("backend", decode.backend, BackendConfig()),
        defaults=single("defaults", decode.defaults, Defaults()),
        apply=single("apply", decode.apply_behaviour, ApplyBehaviour()),
    )


def _decode(blocks: Blocks, sink: Sink, expander: Expander, base: Defaults) -> decode.Decoded:
    """The services, raw jobs and intentions, each with where it came from."""
    decoded = decode.Decoded()
    for name, block in blocks["service"]:
        decoded.services.append(decode.service(block, name, sink, expander, base))
    for name, block in blocks["job"]:
        decoded.jobs.append(inline_job(name, block, sink, expander.variables))
    for name, block in blocks["intention"]:
        decoded.intentions.append(decode.intention(block, name, sink, expander))
    return decoded
