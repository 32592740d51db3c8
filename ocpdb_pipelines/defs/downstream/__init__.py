"""Downstream assets: VG25 regions and regional codes, BNetzA matching, DATEX II exports and pushes."""
