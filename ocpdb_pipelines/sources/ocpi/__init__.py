"""OCPI 2.2 / 2.2.1 Locations: the shared mapper, the envelope, and the eaaze_pbw / stadtnavi pulls."""
