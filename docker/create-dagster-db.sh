#!/bin/sh
# Dagster's run, event and schedule storage: database `dagster`, owned by role `dagster` (its alembic
# migrations need DDL there). Neither database lets PUBLIC connect, so `dagster` reaches only its own and
# the project's roles only theirs (sql/migrations/0020 grants CONNECT to them). Runs once, on the volume's
# first start (docker-entrypoint-initdb.d); the password comes from the environment, never from this file.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v password="$DAGSTER_DB_PASSWORD" -v project="$POSTGRES_DB" <<'SQL'
CREATE ROLE dagster LOGIN PASSWORD :'password';
CREATE DATABASE dagster OWNER dagster;
REVOKE CONNECT ON DATABASE dagster FROM PUBLIC;
REVOKE CONNECT ON DATABASE :"project" FROM PUBLIC;
SQL
