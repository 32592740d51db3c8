"""chargecloud AFIR API (Ludwigsburg): OCPI 2.2.1 Locations in cursor pages."""
