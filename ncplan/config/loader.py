"""``load_config``: a configuration directory -> a validated ``Config`` and its warnings.

Every ``*.hcl`` in the directory is read in name order (``*.ncvars.hcl`` are variable
files); each is parsed once per content (see ``cache``). All diagnostics of the run are
collected; if any is an error, ``ConfigError`` carries them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ncplan.config import decode, validate
from ncplan.config.body import check_labels, unknown_name_detail
from ncplan.config.cache import ParseCache
from ncplan.config.diag import Sink, Where
from ncplan.config.hcl import parse_hcl
from ncplan.config.interpolate import INVALID, Expander
from ncplan.config.model import (
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
SETTINGS = ("nomad", "consul", "backend", "defaults")


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
    if parsed.error is not None:
        pos = Pos(parsed.error.line, parsed.error.column, parsed.error.line,
                  parsed.error.column + 1, 0, 0)
        sink.error(f"syntax error: {parsed.error.message}", Where(name, pos),
                   "fix the HCL syntax at this place")
        return None
    return parsed


def load_config(directory: Path, var_overrides: Sequence[str] = (),
                var_files: Sequence[Path] = (), *,
                env: Mapping[str, str] | None = None,
                use_cache: bool | None = None) -> LoadResult:
    """Load, resolve and validate the configuration in ``directory``.

    Raises ``ConfigError`` with every diagnostic when there is any error.
    """
    env = os.environ if env is None else env
    sink = Sink()
    cache = ParseCache(directory, enabled=use_cache)
    paths = sorted(p for p in directory.glob("*.hcl") if p.is_file())
    config_files: list[tuple[str, ParsedFile]] = []
    value_files: list[ValueFile] = []
    for path in paths:
        is_values = path.name.endswith(VARS_SUFFIX)  # values may be secrets: not cached
        parsed = _read(path, path.name, sink, None if is_values else cache)
        if parsed is None:
            continue
        if is_values:
            value_files.append(ValueFile(path.name, parsed))
        else:
            config_files.append((path.name, parsed))
    cache.prune()
    for var_file in var_files:
        parsed = _read(var_file, str(var_file), sink, None)
        if parsed is not None:
            value_files.append(ValueFile(str(var_file), parsed))
    if not paths:
        sink.error(f"no configuration files (*.hcl) in {directory}", None,
                   "run ncplan in a configuration directory, or pass -C DIR")

    blocks: dict[str, list[tuple[str, RawBlock]]] = {kind: [] for kind in TOP_LEVEL}
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

    declared = declare(blocks["variable"], sink)
    variables = resolve(declared, env, value_files, var_overrides, sink)
    expander = Expander(sink, {n: INVALID if v.value is None else v.value
                               for n, v in variables.items()})

    settings: dict[str, object] = {}
    for kind in SETTINGS:
        found = blocks[kind]
        for name, block in found[1:]:
            sink.error(f"duplicate {kind} block", Where(name, block.pos),
                       f"the first {kind} block is at {found[0][0]}:{found[0][1].pos.line}")
        if found:
            name, block = found[0]
            builder = {"nomad": decode.nomad, "consul": decode.consul,
                       "backend": decode.backend, "defaults": decode.defaults}[kind]
            settings[kind] = builder(block, name, sink, expander)
    base = settings.get("defaults", Defaults())
    assert isinstance(base, Defaults)

    decoded = decode.Decoded()
    for name, block in blocks["service"]:
        decoded.services.append(decode.service(block, name, sink, expander, base))
    for name, block in blocks["job"]:
        decoded.jobs.append(decode.job(block, name, sink.texts[name], sink))
    for name, block in blocks["intention"]:
        decoded.intentions.append(decode.intention(block, name, sink, expander))
    validate.check(decoded, sink)

    if sink.has_errors:
        raise ConfigError(sink.diagnostics)
    nomad = settings.get("nomad", NomadSettings())
    consul = settings.get("consul", ConsulSettings())
    backend = settings.get("backend", BackendConfig())
    assert isinstance(nomad, NomadSettings)
    assert isinstance(consul, ConsulSettings)
    assert isinstance(backend, BackendConfig)
    config = Config(
        directory=str(directory),
        files=tuple(name for name, _ in config_files),
        nomad=nomad,
        consul=consul,
        backend=backend,
        defaults=base,
        variables=variables,
        services=tuple(s for s, _ in decoded.services),
        jobs=tuple(j for j, _ in decoded.jobs),
        intentions=tuple(i for i, _ in decoded.intentions),
    )
    return LoadResult(config=config, warnings=tuple(sink.diagnostics))
