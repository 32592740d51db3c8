"""OICP plug names -> connector standard and format, as intended by the mapping doc (spec §3.9, §8.3).

The predecessor mapped Type J and Schuko to T2, CCS Combo 1 to T1 and CHAdeMO to TESLA_S; those are
fixed here. The Tesla connector is the cable-attached Supercharger plug (CABLE).
"""

from __future__ import annotations

from ocpdb_pipelines.model.enums import ConnectorFormat, ConnectorType

CABLE, SOCKET = ConnectorFormat.CABLE, ConnectorFormat.SOCKET

PLUGS: dict[str, tuple[ConnectorType, ConnectorFormat]] = {
    'Type J Swiss Standard': (ConnectorType.DOMESTIC_J, SOCKET),
    'Type 2 Outlet': (ConnectorType.IEC_62196_T2, SOCKET),
    'Tesla Connector': (ConnectorType.TESLA_S, CABLE),
    'Type 1 Connector (Cable Attached)': (ConnectorType.IEC_62196_T1, CABLE),
    'Type F Schuko': (ConnectorType.DOMESTIC_F, SOCKET),
    'CCS Combo 1 Plug (Cable Attached)': (ConnectorType.IEC_62196_T1_COMBO, CABLE),
    'Type 2 Connector (Cable Attached)': (ConnectorType.IEC_62196_T2, CABLE),
    'CHAdeMO': (ConnectorType.CHADEMO, CABLE),
    'Type G British Standard': (ConnectorType.DOMESTIC_G, SOCKET),
    'CCS Combo 2 Plug (Cable Attached)': (ConnectorType.IEC_62196_T2_COMBO, CABLE),
}
