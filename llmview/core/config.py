"""The user's config.toml: where it lives and how it is read.

Deliberately generic (returns the raw TOML table) so each feature (PII allowlist, pricing
overrides, ...) owns its own section and validation, and this module never has to change when a
new section appears.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

ENV_VAR = "LLMVIEW_CONFIG"


class ConfigError(ValueError):
    """The config file exists but cannot be used; the message is meant to be shown as-is."""


def config_path() -> Path:
    """Where config.toml is looked for; the env var lets tests and users point elsewhere."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(user_config_dir("llmview")) / "config.toml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read the config; a missing file is the normal first-run case and yields ``{}``."""
    target = config_path() if path is None else Path(path)
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read config: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{target}: config is not valid UTF-8: {exc.reason}") from exc
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(f"{target}: invalid TOML: {message}") from exc
