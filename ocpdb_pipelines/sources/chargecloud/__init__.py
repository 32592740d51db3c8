"""chargecloud public feed (Pforzheim, Stuttgart, Tübingen): an OCPI envelope with chargecloud variants."""
