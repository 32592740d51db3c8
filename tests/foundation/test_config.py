"""Configuration: defaults, nested YAML, the OCPDB_ environment, flat aliases, secrets, per-family source keys,
and errors that name the key. (nested-settings-codemod: skip: this file spells the flat keys on purpose.)"""

from __future__ import annotations

import logging
import os

import pytest
from pydantic import SecretStr

from ocpdb_pipelines.config import PROJECT_ROOT, ConfigError, Settings, aliases, current_settings, load_settings
from ocpdb_pipelines.config.aliases import FLAT_KEYS
from ocpdb_pipelines.sources.options import (
    BnetzaConfig,
    DatexConfig,
    TokenConfig,
    check_sources,
    options_for,
    source_options,
)


def _load(tmp_path, content: str, environ: dict[str, str] | None = None) -> Settings:
    path = tmp_path / 'config.yaml'
    path.write_text(content)
    return load_settings(path, environ=environ or {})


def test_embedded_defaults_without_a_file(tmp_path):
    settings = _load(tmp_path, '')
    assert settings.matching.factor_threshold == 0.25
    assert settings.schedule.realtime_pull_seconds == 60
    assert settings.mobilithek.version == '3.5'
    assert settings.database.url.get_secret_value() == 'postgresql://postgres@127.0.0.1:5432/ocpdb'


def test_nested_yaml_then_nested_environment(tmp_path):
    settings = _load(
        tmp_path,
        'matching: {factor_threshold: 0.4}\nhttp: {retries: 1, timeout: 5}\n'
        'sources:\n  bnetza_api: {auto_fetch: false}\n',
        {'OCPDB_MATCHING__FACTOR_THRESHOLD': '0.5', 'DATABASE_URL': 'postgresql:///x'},
    )
    assert settings.matching.factor_threshold == 0.5
    assert settings.http.retries == 1
    assert settings.http.timeout == 5
    assert settings.database.url.get_secret_value() == 'postgresql:///x'
    assert settings.sources == {'bnetza_api': {'auto_fetch': False}}


def test_environment_nests_with_double_underscores_and_parses_structures(tmp_path):
    settings = _load(
        tmp_path,
        '',
        {
            'OCPDB_SOURCES__CHARGECLOUD_LUDWIGSBURG__API_KEY': 'k',
            'OCPDB_SERVER__MAX_BODY_BYTES': '{"giroe": 5}',
            'OCPDB_MAP__STYLE_URL': 'null',
            'OCPDB_MOBILITHEK__STATIC_PUBLICATION_ID': '980054862909370368',
        },
    )
    assert source_options(settings, 'chargecloud_ludwigsburg').value('api_key') == 'k'
    assert settings.server.max_body_bytes == {'giroe': 5}
    assert settings.map.style_url is None
    # a publication id of digits stays text
    assert settings.mobilithek.static_publication_id == '980054862909370368'


def test_plain_urls_are_read_below_the_prefixed_names(tmp_path):
    environ = {'DATABASE_URL': 'postgresql:///plain', 'REDIS_URL': 'redis://plain/1'}
    plain = _load(tmp_path, '', environ)
    assert plain.database.url.get_secret_value() == 'postgresql:///plain'
    assert plain.redis.url.get_secret_value() == 'redis://plain/1'
    nested = _load(tmp_path, '', {**environ, 'OCPDB_DATABASE__URL': 'postgresql:///nested'})
    assert nested.database.url.get_secret_value() == 'postgresql:///nested'


def test_flat_keys_of_earlier_versions_keep_working(tmp_path, caplog, monkeypatch):
    """A predecessor-style config.yaml: flat keys land in the tree, each reported once with its new name."""
    monkeypatch.setattr(aliases, '_reported', set())  # reported once per process: forget earlier loads
    caplog.set_level(logging.WARNING, logger='ocpdb_pipelines.config')
    settings = _load(
        tmp_path,
        'HTTP_RETRIES: 0\nMOBILITHEK_ENABLED: true\nKEY_DIR: /keys\nSOURCES:\n  bnetza_api:\n'
        'SQLALCHEMY_DATABASE_URI: postgresql:///legacy\nSECRET_KEY: s3cret\nCELERY_BROKER_URL: amqp://rabbitmq\n',
        {'OCPDB_REALTIME_PULL_FREQUENCY': '120'},
    )
    assert settings.http.retries == 0
    assert settings.mobilithek.enabled is True
    assert settings.mobilithek.key_dir == '/keys'
    assert settings.sources == {'bnetza_api': {}}
    assert settings.database.url.get_secret_value() == 'postgresql:///legacy'
    assert settings.schedule.realtime_pull_seconds == 120
    messages = ' | '.join(record.getMessage() for record in caplog.records)
    assert 'HTTP_RETRIES is a flat alias: use http.retries' in messages
    assert 'OCPDB_REALTIME_PULL_FREQUENCY is a flat alias: use OCPDB_SCHEDULE__REALTIME_PULL_SECONDS' in messages
    assert 'SECRET_KEY has no effect in OCPDB and is ignored' in messages


def test_the_nested_environment_name_wins_over_the_flat_one(tmp_path):
    settings = _load(tmp_path, '', {'OCPDB_HTTP_RETRIES': '1', 'OCPDB_HTTP__RETRIES': '2'})
    assert settings.http.retries == 2


def test_every_alias_names_a_real_key():
    for key, path in FLAT_KEYS.items():
        if path is None:
            continue
        head, _, rest = path.partition('.')
        assert head in Settings.model_fields, key
        if rest:
            concern = Settings.model_fields[head].annotation
            assert rest in concern.model_fields, key  # type: ignore[union-attr]


def test_secrets_stay_out_of_repr_and_dumps(tmp_path):
    settings = _load(
        tmp_path,
        'giroe: {object_id_secret: salt-123}\nsources:\n  eaaze_pbw: {token: tok-456}\n',
        {'DATABASE_URL': 'postgresql://writer:pw-789@db/ocpdb', 'REDIS_URL': 'redis://:pw-000@redis/0'},
    )
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ('salt-123', 'pw-789', 'pw-000'):
        assert secret not in shown
    config = source_options(settings, 'eaaze_pbw')
    assert isinstance(config, TokenConfig)
    assert 'tok-456' not in repr(config)
    assert config.value('token') == 'tok-456'
    assert isinstance(settings.giroe.object_id_secret, SecretStr)


def test_each_family_takes_its_own_keys():
    assert isinstance(options_for('bnetza_api', {'ignore_operators': ['X']}), BnetzaConfig)
    datex = options_for('datex2_enbw', {'static_subscription_id': '1', 'use_realtime_push': True})
    assert isinstance(datex, DatexConfig)
    assert datex.realtime_by_push
    assert not options_for('chargecloud_stuttgart').realtime_by_push


@pytest.mark.parametrize(
    ('uid', 'values', 'message'),
    [
        ('chargecloud_stuttgart', {'token': 't'}, 'sources.chargecloud_stuttgart.token: Extra inputs'),
        ('bnetza_api', {'filter_countries': ['DEU']}, 'family bnetza takes'),
        ('eaaze_pbw', {'ignore_operators': []}, 'sources.eaaze_pbw.ignore_operators'),
        ('ochp_albwerk', {'realtime_interval_seconds': 1}, 'sources.ochp_albwerk.realtime_interval_seconds'),
    ],
)
def test_a_key_the_family_does_not_take_fails_naming_it(uid, values, message):
    with pytest.raises(ConfigError, match=message):
        options_for(uid, values)


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        ('matching: {factor_threshold: high}\n', 'matching.factor_threshold'),
        ('NO_SUCH_KEY: 1\n', 'NO_SUCH_KEY'),
        ('http: {retriez: 3}\n', 'http.retriez'),
        ('HTTP_RETRIES: 2\nhttp: {retries: 3}\n', 'HTTP_RETRIES and http.retries'),
        ('[1, 2\n', 'not valid YAML'),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path, content, message):
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, content)


def test_an_unknown_environment_key_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r'http\.retriez'):
        _load(tmp_path, '', {'OCPDB_HTTP__RETRIEZ': '1'})


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        ('sources:\n  not_a_source: {}\n', 'sources.not_a_source: unknown source uid'),
        (
            'sources:\n  chargecloud_ludwigsburg: {}\n',
            r'sources.chargecloud_ludwigsburg: missing required key\(s\) api_key',
        ),
        ('sources:\n  bnetza_api: {colour: red}\n', 'sources.bnetza_api.colour'),
    ],
)
def test_the_registry_checks_the_sources(tmp_path, content, message):
    settings = _load(tmp_path, content)  # the config package itself knows nothing about sources
    with pytest.raises(ConfigError, match=message):
        check_sources(settings)


def test_named_config_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match='does not exist'):
        load_settings(environ={'OCPDB_CONFIG': str(tmp_path / 'nope.yaml')})


def test_disabled_source_needs_no_keys(tmp_path):
    settings = check_sources(_load(tmp_path, 'sources:\n  chargecloud_ludwigsburg: {enabled: false}\n'))
    assert source_options(settings, 'chargecloud_ludwigsburg').enabled is False


def test_with_values_changes_concerns_and_replaces_the_rest(tmp_path):
    settings = _load(tmp_path, 'http: {timeout: 3}\nsources:\n  bnetza_api: {}\n')
    changed = settings.with_values(http={'retries': 0}, sources={'bnetza_excel': {}}, DATABASE_URL='postgresql:///y')
    assert (changed.http.retries, changed.http.timeout) == (0, 3)
    assert changed.sources == {'bnetza_excel': {}}
    assert changed.database.url.get_secret_value() == 'postgresql:///y'
    assert settings.http.retries == 3  # the original is untouched


def test_example_config_is_the_generated_one_and_loads():
    import importlib.util

    spec = importlib.util.spec_from_file_location('gen_docs_for_config', PROJECT_ROOT / 'scripts' / 'gen_docs.py')
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    example = PROJECT_ROOT / 'config.example.yaml'
    assert example.read_text() == generator.example_config(), 'run: python scripts/gen_docs.py --example'
    check_sources(load_settings(example, environ={}))


def test_current_settings_follow_file_and_environment(tmp_path, monkeypatch):
    path = tmp_path / 'config.yaml'
    path.write_text('matching: {factor_threshold: 0.3}\n')
    monkeypatch.setenv('OCPDB_CONFIG', str(path))
    first = current_settings()
    assert first.matching.factor_threshold == 0.3
    assert current_settings() is first  # unchanged: not re-read
    monkeypatch.setenv('OCPDB_SCHEDULE__REALTIME_PULL_SECONDS', '120')
    assert current_settings().schedule.realtime_pull_seconds == 120
    path.write_text('matching: {factor_threshold: 0.4}\n')
    os.utime(path, ns=(1, 1))
    assert current_settings().matching.factor_threshold == 0.4


@pytest.mark.parametrize('service', ['migrate', 'api'])
def test_the_compose_services_hand_the_role_urls_to_the_settings(service):
    """docker-compose.yml's role URLs reach `database.api_url`/`ingest_url` (plain API_DATABASE_URL never did)."""
    import yaml

    compose = yaml.safe_load((PROJECT_ROOT / 'docker-compose.yml').read_text())
    environ = {key: str(value) for key, value in compose['services'][service]['environment'].items()}
    environ['OCPDB_CONFIG'] = os.devnull
    settings = load_settings(environ=environ)
    assert settings.database.api_url is not None
    assert settings.database.api_url.get_secret_value().startswith('postgresql://ocpdb_reader:')
    assert settings.database.ingest_url is not None
    assert settings.database.ingest_url.get_secret_value().startswith('postgresql://ocpdb_ingest:')


def test_config_loads_without_the_sources_and_sources_without_http():
    """No import cycle: loading the settings imports nothing of the sources, the families nothing of http."""
    import subprocess
    import sys

    script = (
        'import importlib, sys\n'
        'from ocpdb_pipelines.config import load_settings\n'
        "load_settings('/dev/null', environ={'OCPDB_SOURCES': '{\"bnetza_api\": {}}'})\n"
        "assert not [m for m in sys.modules if m.startswith('ocpdb_pipelines.sources')], 'config imported sources'\n"
        'from ocpdb_pipelines.sources.families import FAMILY_MODULES\n'
        'for module in FAMILY_MODULES.values():\n'
        '    importlib.import_module(module)\n'
        "importlib.import_module('ocpdb_pipelines.sources.options')\n"
        "leaked = sorted(m for m in sys.modules if m.startswith('ocpdb_pipelines.http'))\n"
        "assert not leaked, f'sources imported {leaked}'\n"
    )
    done = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
