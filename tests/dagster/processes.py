"""Live processes a Dagster run left behind: the local compute log manager mirrors a step's stdout/stderr
with `tail -F <run's compute log file>` (and a watcher); they must end with the step.

Matched by run id in the tailed path, so tails of other test sessions' runs on a shared machine (which a
plain `pgrep -f 'tail -F'` counts too) never make a test fail."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


def live_tails(run_ids: list[str]) -> list[str]:
    """Command lines of running (not zombie) `tail -F` processes on the compute logs of these runs."""
    found = []
    for proc in Path('/proc').iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / 'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
            state = (proc / 'stat').read_text().rsplit(')', 1)[1].split()[0]
        except OSError:  # gone meanwhile
            continue
        if command.startswith('tail -F') and state not in ('Z', 'X') and any(run in command for run in run_ids):
            found.append(f'{proc.name}: {command.strip()}')
    return found


def tails_left_by_runs_of(instance: dg.DagsterInstance) -> list[str]:
    return live_tails([run.run_id for run in instance.get_runs(limit=100)])
