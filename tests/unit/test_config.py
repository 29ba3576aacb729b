from __future__ import annotations

from pathlib import Path

import pytest

from llmview.core.config import ENV_VAR, ConfigError, config_path, load_config


def test_default_path_is_the_user_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    path = config_path()
    assert path.name == "config.toml"
    assert "llmview" in path.parts[-2]


def test_env_var_overrides_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.toml"
    monkeypatch.setenv(ENV_VAR, str(target))
    assert config_path() == target


def test_missing_file_is_empty_config(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == {}


def test_reads_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[pii]\nallow = ["support@example.com"]\n[pii.patterns]\nEMPLOYEE = "EMP-\\\\d{6}"\n',
        encoding="utf-8",
    )
    assert load_config(path) == {
        "pii": {"allow": ["support@example.com"], "patterns": {"EMPLOYEE": "EMP-\\d{6}"}}
    }


def test_without_argument_uses_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[pricing]\nmodel = 1.5\n", encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    assert load_config() == {"pricing": {"model": 1.5}}


def test_invalid_toml_names_file_and_error_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[pii\nallow = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "invalid TOML" in message
    assert "\n" not in message
    assert isinstance(caught.value, ValueError)


def test_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="latin1.toml"):
        load_config(path)


def test_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)
