"""Reading config.yaml: ``${VAR}`` references resolved from the environment, relative
paths anchored at the file's folder, names checked across sections."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.errors import ConfigError
from common.redact import Redactor
from simak.config.messages import describe_validation_error
from simak.config.schema import ENV_REF, SECRET_KEY, Settings
from simak.registry import SOURCE_TYPES
from simak.yamlsafe import load_yaml_file

DEFAULT_CONFIG = "config.yaml"


def _resolve(value: Any, env: Mapping[str, str], path: str, where: str, defer: bool) -> Any:
    if isinstance(value, dict):
        return {
            k: _resolve_item(k, v, env, path, f"{where}.{k}" if where else str(k), defer)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_resolve(v, env, path, f"{where}[{i}]", defer) for i, v in enumerate(value)]
    if isinstance(value, str) and not defer:

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                raise ConfigError(
                    f"{path}: {where}: environment variable {m.group(1)} is not "
                    f"set; export {m.group(1)}=... before running simak"
                )
            return env[m.group(1)]

        return ENV_REF.sub(sub, value)
    return value


def _resolve_item(
    key: Any, value: Any, env: Mapping[str, str], path: str, where: str, defer: bool
) -> Any:
    if (
        isinstance(key, str)
        and SECRET_KEY.search(key)
        and isinstance(value, str)
        and value
        and not ENV_REF.fullmatch(value)
    ):
        raise ConfigError(
            f"{path}: {where}: secrets must not be written in the file; "
            f"use a reference like ${{{key.upper()}}} and set that variable"
        )
    # Source options and channels keep their ${VAR} references: the listener or channel
    # resolves them when it runs, so a missing one disables only that source or channel.
    deferred = where.endswith(".options") or where == "responder.channels"
    return _resolve(value, env, path, where, defer or deferred)


def read_config_file(path: Path) -> dict[str, Any]:
    """Read YAML into a mapping, with one-line errors (bombs and tricks refused: yamlsafe)."""
    data = load_yaml_file(path)
    if data is None:
        raise ConfigError(
            f"{path} is empty; copy the config.yaml of the Simak checkout and edit it "
            "(brands:, sources:, ...)"
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level (brands:, sources:, ...)")
    return data


def load_settings(path: Path, env: Mapping[str, str]) -> Settings:
    """Parse and validate ``path``; raise ConfigError with one clear line on any problem.

    Relative paths (the database, the model cache, templates, sources) mean the config
    file's folder, wherever simak is started from.
    """
    data = read_config_file(path)
    secrets = _referenced_values(data, env)
    raw = _resolve(data, env, str(path), "", False)
    if env.get("SIMAK_DATABASE_URL"):
        raw.setdefault("storage", {})
        if isinstance(raw["storage"], dict):
            raw["storage"]["url"] = env["SIMAK_DATABASE_URL"]
    base = path.expanduser().resolve().parent
    _anchor_paths(raw, base)
    try:
        settings = Settings.model_validate({**raw, "base_dir": base, "secrets": secrets})
    except ValidationError as exc:
        message = describe_validation_error(str(path), exc)
        if env.get("SIMAK_DATABASE_URL"):  # the variable is at fault, not the file
            message = message.replace(f"{path}: storage.url: ", "SIMAK_DATABASE_URL: ", 1)
        raise ConfigError(Redactor(secrets)(message)) from None
    _check_references(settings, str(path))
    return settings


def _referenced_values(data: Any, env: Mapping[str, str]) -> frozenset[str]:
    """Values of every ${VAR} the config names: secrets to keep out of any output."""
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            found.update(env.get(m, "") for m in ENV_REF.findall(item))
    found.discard("")
    return frozenset(found)


def _anchor_paths(raw: dict[str, Any], base: Path) -> None:
    storage = raw.get("storage")
    if isinstance(storage, dict) and isinstance(storage.get("url"), str):
        storage["url"] = anchor_sqlite_url(storage["url"], base)
    responder = raw.get("responder")
    if isinstance(responder, dict) and isinstance(responder.get("template_dir"), str):
        responder["template_dir"] = str(base / Path(responder["template_dir"]).expanduser())


def anchor_sqlite_url(url: str, base: Path) -> str:
    """A relative SQLite path made absolute against ``base`` (the config's folder)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return url
    rest = url.removeprefix(prefix)
    if rest.startswith(("/", "file:")):  # absolute, or an SQLite URI (file:...?mode=ro)
        return url
    return prefix + str(base / Path(rest).expanduser())


def _check_references(settings: Settings, path: str) -> None:
    brands = set(settings.names())
    for i, name in enumerate(settings.names()):
        if name in settings.names()[:i]:
            raise ConfigError(
                f"{path}: brands[{i}].name: {name!r} is used twice; give each brand its own "
                "name (or merge their terms into one brand)"
            )
    seen: set[str] = set()
    for i, source in enumerate(settings.sources):
        if source.name in seen:
            raise ConfigError(
                f"{path}: sources[{i}].name: {source.name!r} is used twice; "
                "give each source its own name"
            )
        seen.add(source.name)
        if source.type not in SOURCE_TYPES:
            raise ConfigError(
                f"{path}: sources[{i}].type: unknown type {source.type!r} for source "
                f"{source.name!r}; use one of {', '.join(sorted(SOURCE_TYPES))}"
                + (" (RSS and Atom are type feeds)" if _is_feed_word(source.type) else "")
            )
        if source.brand is not None and source.brand not in brands:
            raise ConfigError(
                f"{path}: sources[{i}].brand: unknown brand {source.brand!r}; "
                f"use one of {', '.join(sorted(brands))}"
            )


def _is_feed_word(kind: str) -> bool:
    return any(word in kind.casefold() for word in ("rss", "atom", "feed"))


def config_path(cli_value: str | None, env: Mapping[str, str]) -> Path:
    """--config beats SIMAK_CONFIG beats ./config.yaml."""
    return Path(cli_value or env.get("SIMAK_CONFIG") or DEFAULT_CONFIG).expanduser()


def default_cache_dir(settings: Settings, env: Mapping[str, str]) -> Path:
    """Model cache: SIMAK_CACHE_DIR, then the config's ``cache_dir``, then the XDG cache,
    then ~/.cache/simak (the environment overrides the file, as SIMAK_DATABASE_URL does)."""
    if env.get("SIMAK_CACHE_DIR"):
        return Path(env["SIMAK_CACHE_DIR"]).expanduser()
    if settings.cache_dir:
        return (settings.base_dir / Path(settings.cache_dir).expanduser()).resolve()
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME", "~"), ".cache")
    return Path(base).expanduser() / "simak"
