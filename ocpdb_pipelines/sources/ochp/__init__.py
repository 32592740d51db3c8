"""OCHP 1.4 (e-clearing.net) SOAP sources: GetChargePointList (static) and GetStatus (realtime)."""
