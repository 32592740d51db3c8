"""The database roles of migration 0020 and their passwords, taken from the configured URLs.

The migration creates the roles without passwords (a file in git is no place for one); `ocpdb db
upgrade` then sets the password of each project role that a configured URL names with a password
(API_DATABASE_URL -> ocpdb_reader, INGEST_DATABASE_URL -> ocpdb_ingest, WRITER_DATABASE_URL ->
ocpdb_writer). A URL naming another role is the operator's own role and left alone.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from pydantic import SecretStr

from ocpdb_pipelines.config import Settings
from ocpdb_pipelines.db.connection import connect, normalize_url

READER_ROLE = 'ocpdb_reader'
INGEST_ROLE = 'ocpdb_ingest'
WRITER_ROLE = 'ocpdb_writer'
PROJECT_ROLES = (READER_ROLE, INGEST_ROLE, WRITER_ROLE)


def _role_and_password(url: SecretStr | None) -> tuple[str, str] | None:
    if not url:
        return None
    info = psycopg.conninfo.conninfo_to_dict(normalize_url(url.get_secret_value()))
    user, password = info.get('user'), info.get('password')
    return (user, password) if user in PROJECT_ROLES and password else None


def set_role_passwords(settings: Settings) -> list[str]:
    """Set the passwords the role URLs carry (as DATABASE_URL, the owner); returns the roles changed."""
    wanted = [
        found
        for found in map(
            _role_and_password,
            (settings.database.api_url, settings.database.ingest_url, settings.database.writer_url),
        )
        if found
    ]
    if not wanted:
        return []
    with connect(settings.database.url.get_secret_value(), autocommit=True) as conn:
        for role, password in wanted:
            # hashed by libpq (SCRAM), so the plain password never reaches the server or its log
            hashed = conn.pgconn.encrypt_password(password.encode(), role.encode(), b'scram-sha-256').decode()
            conn.execute(sql.SQL('ALTER ROLE {} PASSWORD {}').format(sql.Identifier(role), sql.Literal(hashed)))
    return [role for role, _ in wanted]
