"""Declarative automation of the downstream assets that follow the sources (matching, regional codes).

Both re-run when any source they read updated since they last ran, once no run of theirs or of an input
is in progress. Unlike `AutomationCondition.eager()` they do not wait for every input to exist: most of
the 37 sources are off in a given deployment and would block them forever. Instead each names the inputs
it cannot do without (`required_any`: at least one of them materialized). Exports are not automated this
way: they keep their own cadence (schedule/sensors) and never wait for weekly or monthly sources.
"""

from __future__ import annotations

import dagster as dg


def after_inputs_update(required_any: list[dg.AssetKey]) -> dg.AutomationCondition:
    present = dg.AutomationCondition.any_deps_match(~dg.AutomationCondition.missing()).allow(
        dg.AssetSelection.assets(*required_any)
    )
    return (dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing()) & present).with_label(
        f'after inputs update (needs one of {", ".join(k.to_user_string() for k in required_any)})'
    )


def build_downstream_automation_sensor(targets: list[dg.AssetKey]) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        'downstream_automation',
        target=dg.AssetSelection.assets(*targets),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description='Evaluates the automation conditions of the downstream assets: matching, regional codes, '
        'cross-source duplicates, dumps and availability statistics (each re-runs after its inputs or on its cron)',
    )
