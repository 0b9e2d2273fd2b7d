"""Credentials in options are ``${ENV_VAR}`` references, resolved when used.

Secrets never live in config files; an options model (a source's or a channel's) only
accepts a reference, and its owner looks the variable up in the injected environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from common.errors import CredentialMissing

_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_REF_INSIDE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


SECRET_REF_ERROR = "secret_ref"
"""The pydantic error type of a literal secret: messages never echo the value given."""


def _check_ref(value: str) -> str:
    if not _REF.match(value):
        raise PydanticCustomError(
            SECRET_REF_ERROR,
            "secrets must be written as an environment reference like ${MY_SECRET}, "
            "never as the secret itself; export the variable and name it here",
        )
    return value


SecretRef = Annotated[str, AfterValidator(_check_ref)]
"""A config value that must be an ``${ENV_VAR}`` reference."""


def env_var_name(ref: str) -> str:
    """The variable name inside a ``${NAME}`` reference."""
    found = _REF.match(ref)
    if found is None:
        raise ValueError(f"not an environment reference: {ref!r}")
    return found.group(1)


def unset_variables(options: object, env: Mapping[str, str]) -> list[str]:
    """The variables that ``${NAME}`` references anywhere in ``options`` (strings, lists,
    mappings: a whole value or part of a URL) name and ``env`` leaves unset or empty, in
    order, once each: what :func:`resolve` would refuse when the owner runs."""
    if isinstance(options, str):
        found = [m.group(1) for m in _REF_INSIDE.finditer(options)]
    elif isinstance(options, Mapping):
        found = [n for v in options.values() for n in unset_variables(v, env)]
    elif isinstance(options, list | tuple):
        found = [n for v in options for n in unset_variables(v, env)]
    else:
        found = []
    return list(dict.fromkeys(n for n in found if not env.get(n, "")))


def resolve(source: str, ref: str, env: Mapping[str, str], *, kind: str = "source") -> str:
    """The secret a ``${NAME}`` reference points to; CredentialMissing when unset or empty.

    ``source`` and ``kind`` name the owner in the message ("source 'x'", "channel 'email'").
    """
    name = env_var_name(ref)
    value = env.get(name, "")
    if not value:
        raise CredentialMissing(source, name, kind=kind)
    return value


def resolve_optional(
    source: str, ref: str | None, env: Mapping[str, str], *, kind: str = "source"
) -> str | None:
    """Like :func:`resolve`, but ``None`` stays ``None`` (an optional credential)."""
    return None if ref is None else resolve(source, ref, env, kind=kind)
