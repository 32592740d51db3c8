"""chargecloud feeds: the public OCPI-like feed and the AFIR cursor API."""
