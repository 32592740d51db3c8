"""Validate OCPI 2.2.1 objects with extrawest-ocpi's models; reads `[{"kind", "key", "object"}]` JSON on stdin.

Prints `[{"key", "loc", "msg"}]`: one entry per pydantic error (an empty list when every object is valid).
"""

from __future__ import annotations

import json
import sys

from py_ocpi.modules.locations.v_2_2_1.schemas import EVSE, Connector, Location
from pydantic import ValidationError

MODELS = {'location': Location, 'evse': EVSE, 'connector': Connector}


def main() -> None:
    errors = []
    for item in json.load(sys.stdin):
        try:
            MODELS[item['kind']](**item['object'])
        except ValidationError as exc:
            for error in exc.errors():
                loc = [str(part) for part in error['loc']]
                errors.append({'key': item['key'], 'kind': item['kind'], 'loc': loc, 'msg': error['msg']})
    json.dump(errors, sys.stdout)


if __name__ == '__main__':
    main()
