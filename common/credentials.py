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
