"""Connector defaulting (predecessor §1.4) with its bugs fixed."""

from __future__ import annotations

import pytest

from ocpdb_pipelines.model.updates import ConnectorUpdate


@pytest.mark.parametrize(
    ('fields', 'expected'),
    [
        ({'standard': 'IEC_62196_T2', 'max_electric_power': 22000}, ('AC_3_PHASE', 400, 32, 22000)),
        ({'standard': 'IEC_62196_T2', 'max_electric_power': 11000}, ('AC_3_PHASE', 400, 16, 11000)),
        ({'standard': 'IEC_62196_T2_COMBO', 'max_electric_power': 150000}, ('DC', 400, 375, 150000)),
        ({'standard': 'DOMESTIC_F', 'max_electric_power': 3700}, ('AC_1_PHASE', 230, 16, 3700)),
        ({'standard': 'IEC_62196_T2'}, ('AC_3_PHASE', 400, 32, 22000)),
        ({'standard': 'IEC_62196_T2', 'power_type': 'AC_1_PHASE'}, ('AC_1_PHASE', 230, 32, 7250)),
        ({'standard': 'IEC_60309_2_three_16', 'power_type': 'AC_1_PHASE'}, ('AC_1_PHASE', 230, 16, 3650)),
        ({'standard': 'CHADEMO'}, ('DC', 400, 375, 150000)),
        ({'standard': 'MCS'}, ('DC', 1000, 1000, 1000000)),
        ({'standard': 'NEMA_5_20'}, ('AC_1_PHASE', 120, 20, 2400)),
        ({'standard': 'IEC_62196_T2', 'max_voltage': 400, 'max_amperage': 32}, ('AC_3_PHASE', 400, 32, 22170)),
        ({'standard': 'DOMESTIC_F', 'max_voltage': 230, 'max_amperage': 16}, ('AC_1_PHASE', 230, 16, 3680)),
        # a given voltage is kept: only the missing amperage is derived
        (
            {'standard': 'IEC_62196_T2', 'max_electric_power': 11000, 'max_voltage': 230, 'power_type': 'AC_1_PHASE'},
            ('AC_1_PHASE', 230, 47, 11000),
        ),
        # 3-phase published with the phase voltage: 22 kW / (3 x 230 V) = 32 A per phase
        ({'standard': 'IEC_62196_T2', 'max_electric_power': 22000, 'max_voltage': 230}, ('AC_3_PHASE', 230, 32, 22000)),
        ({'standard': None}, ('AC_1_PHASE', 0, 0, 0)),
    ],
)
def test_defaults(fields, expected):
    connector = ConnectorUpdate(uid='1', **fields)
    assert (
        connector.power_type.value,
        connector.max_voltage,
        connector.max_amperage,
        connector.max_electric_power,
    ) == expected
