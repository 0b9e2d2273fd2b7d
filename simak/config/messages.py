"""One line for a config.yaml that does not validate: the first bad key and how to fix it."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import ValidationError

from common.credentials import SECRET_REF_ERROR
from simak.config.schema import NAME, SECRET_KEY


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def describe_validation_error(path: str, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> str:
    """One line naming the first bad key and how to fix it (an unknown key first: a
    misspelt required key is also reported missing, and the misspelling is what to fix)."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    where = _loc(prefix + tuple(err["loc"]))
    kind = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")  # our own validators' words
    if kind == "extra_forbidden":
        hint = "unknown key; remove it or check its spelling" + _did_you_mean(err, errors)
    elif kind == "string_type" and isinstance(err.get("input"), bool | int | float):
        hint = (
            f"expected text, got {err.get('input')!r} (YAML reads yes/no/on/off as true/false "
            "and bare digits as a number); put the value in quotes"
        )
    elif kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == NAME:
        hint = (
            "use lowercase letters, digits and - _ . only, e.g. kopi-senja; "
            f"got {_short_repr(err.get('input'))}"
        )
    elif kind == "missing":
        hint = "required key is missing; add it"
    elif kind == SECRET_REF_ERROR or SECRET_KEY.search(str(err["loc"][-1] if err["loc"] else "")):
        hint = msg  # never echo what was given for a secret-like key
    elif kind in _SHAPES and err.get("input") is None:
        hint = f"nothing is written under it (every line commented out?); {_SHAPES[kind]}"
    elif kind.endswith("_type") and "input" in err and err["input"] is None:
        hint = "no value is written after the colon; write one, or remove the key"
    elif kind in _SHAPES:  # pydantic's words would name our classes ("… of StorageConfig")
        hint = f"{_SHAPES[kind]}; got {_short_repr(err.get('input'))}"
    else:
        got = _short_repr(err.get("input"))
        quoted = re.search(rf"(?<![\w.]){re.escape(got)}(?![\w.])", msg)  # not "0" in "10"
        hint = msg if quoted else f"{msg}; got {got}"  # a validator may quote it already
    return f"{path}: {where}: {hint}"


def _did_you_mean(extra: Any, errors: list[Any]) -> str:
    """`; did you mean terms?` when a required key beside the unknown one is missing."""
    parent = tuple(extra["loc"][:-1])
    missing = [
        str(e["loc"][-1])
        for e in errors
        if e["type"] == "missing" and tuple(e["loc"][:-1]) == parent
    ]
    close = difflib.get_close_matches(str(extra["loc"][-1]), missing, n=1, cutoff=0.0)
    return f"; did you mean {close[0]}?" if close else ""


_MAPPING = "write a mapping here: indented `key: value` lines, or {key: value}"
_SHAPES = {
    "model_type": _MAPPING,
    "dict_type": _MAPPING,
    "list_type": "write a list here: [a, b], or one `- item` line each",
    "tuple_type": "write a list here: [a, b], or one `- item` line each",
}


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
