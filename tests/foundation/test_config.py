"""Configuration: defaults, YAML, environment overrides, and errors that name the key."""

from __future__ import annotations

import pytest

from ocpdb_pipelines.config import ConfigError, load_settings


def test_embedded_defaults_without_a_file(tmp_path):
    (tmp_path / 'empty.yaml').write_text('')
    settings = load_settings(config_file=tmp_path / 'empty.yaml', environ={})
    assert settings.matching.factor_threshold == 0.25
    assert settings.schedule.realtime_pull_seconds == 60
    assert settings.mobilithek.version == '3.5'


def test_yaml_then_environment(tmp_path):
    path = tmp_path / 'config.yaml'
    path.write_text('MATCHING_FACTOR_THRESHOLD: 0.4\nSOURCES:\n  bnetza_api: {auto_fetch: false}\n')
    settings = load_settings(
        path, environ={'OCPDB_MATCHING__FACTOR_THRESHOLD': '0.5', 'DATABASE_URL': 'postgresql:///x'}
    )
    assert settings.matching.factor_threshold == 0.5
    assert settings.database.url.get_secret_value() == 'postgresql:///x'
    assert settings.sources['bnetza_api'].auto_fetch is False


def test_environment_json_for_structured_keys(tmp_path):
    (tmp_path / 'empty.yaml').write_text('')
    settings = load_settings(
        tmp_path / 'empty.yaml', environ={'OCPDB_SOURCES': '{"chargecloud_ludwigsburg": {"api_key": "k"}}'}
    )
    assert settings.sources['chargecloud_ludwigsburg'].api_key == 'k'


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        ('MATCHING_FACTOR_THRESHOLD: high\n', 'MATCHING_FACTOR_THRESHOLD'),
        ('NO_SUCH_KEY: 1\n', 'NO_SUCH_KEY'),
        ('SOURCES:\n  not_a_source: {}\n', 'SOURCES.not_a_source'),
        (
            'SOURCES:\n  chargecloud_ludwigsburg: {}\n',
            'SOURCES.chargecloud_ludwigsburg: missing required key(s) api_key',
        ),
        ('SOURCES:\n  bnetza_api: {colour: red}\n', 'SOURCES.bnetza_api.colour'),
        ('[1, 2\n', 'not valid YAML'),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path, content, message):
    path = tmp_path / 'config.yaml'
    path.write_text(content)
    with pytest.raises(ConfigError, match=message.replace('(', r'\(').replace(')', r'\)')):
        load_settings(path, environ={})


def test_named_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match='does not exist'):
        load_settings(environ={'OCPDB_CONFIG': str(tmp_path / 'nope.yaml')})


def test_disabled_source_needs_no_keys(tmp_path):
    path = tmp_path / 'config.yaml'
    path.write_text('SOURCES:\n  chargecloud_ludwigsburg: {enabled: false}\n')
    assert load_settings(path, environ={}).sources['chargecloud_ludwigsburg'].enabled is False


def test_example_config_documents_every_key():
    from ocpdb_pipelines.config import PROJECT_ROOT, Settings

    example = (PROJECT_ROOT / 'config.example.yaml').read_text()
    missing = [key for key in Settings.model_fields if f'{key}:' not in example]
    assert missing == []
    load_settings(PROJECT_ROOT / 'config.example.yaml', environ={})


def test_current_settings_follow_file_and_environment(tmp_path, monkeypatch):
    from ocpdb_pipelines.config import current_settings

    path = tmp_path / 'config.yaml'
    path.write_text('MATCHING_FACTOR_THRESHOLD: 0.3\n')
    monkeypatch.setenv('OCPDB_CONFIG', str(path))
    first = current_settings()
    assert first.matching.factor_threshold == 0.3
    assert current_settings() is first  # unchanged: not re-read
    monkeypatch.setenv('OCPDB_SCHEDULE__REALTIME_PULL_SECONDS', '120')
    assert current_settings().schedule.realtime_pull_seconds == 120
    path.write_text('MATCHING_FACTOR_THRESHOLD: 0.4\n')
    import os

    os.utime(path, ns=(1, 1))
    assert current_settings().matching.factor_threshold == 0.4
