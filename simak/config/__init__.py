"""The one settings object: parsed and validated once from config.yaml.

Secrets never live in the file: a value like ``${REDDIT_CLIENT_SECRET}`` names an
environment variable. Outside ``sources[].options`` such references are resolved
at load time (a missing one is a config error); inside a source's options they are
resolved by the listener at poll time, so a missing credential skips only that
source.

``schema``: the sections and their checks; ``loading``: the file, the environment and
paths; ``messages``: a validation error as one line that says what to fix.
"""

from simak.config.loading import (
    DEFAULT_CONFIG,
    anchor_sqlite_url,
    config_path,
    default_cache_dir,
    load_settings,
    read_config_file,
)
from simak.config.messages import describe_validation_error
from simak.config.schema import (
    AlertsConfig,
    BrandConfig,
    ClassifierConfig,
    DigestConfig,
    RetentionConfig,
    Settings,
    SourceConfig,
    StorageConfig,
    WorkersConfig,
)

__all__ = [
    "DEFAULT_CONFIG",
    "AlertsConfig",
    "BrandConfig",
    "ClassifierConfig",
    "DigestConfig",
    "RetentionConfig",
    "Settings",
    "SourceConfig",
    "StorageConfig",
    "WorkersConfig",
    "anchor_sqlite_url",
    "config_path",
    "default_cache_dir",
    "describe_validation_error",
    "load_settings",
    "read_config_file",
]
