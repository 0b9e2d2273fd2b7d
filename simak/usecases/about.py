"""What this Simak is: its installed version and the model it classifies with by default."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def describe() -> str:
    """``simak 0.1.0 (default model embedded/e5s-d6-2026.12.04)``."""
    from classifier.embedded.classifier import DEFAULT_VERSION

    try:
        installed = version("simak")
    except PackageNotFoundError:  # run from a checkout that was never installed
        installed = "unknown (not installed)"
    return f"simak {installed} (default model embedded/{DEFAULT_VERSION})"
