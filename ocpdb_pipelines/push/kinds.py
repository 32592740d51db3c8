"""Landing-area kinds used by the push receivers and appliers."""

from __future__ import annotations

PUSH = 'push'  # giro-e requests (PUT/DELETE/PATCH), applied in arrival order by the giroe sensor
REALTIME = 'realtime'  # DATEX II realtime bodies, applied by the source's sensor (or at once if small)
STATIC = 'static'  # uploads (BNetzA Excel): the sensor requests a static run
REJECTED = 'rejected'  # landed payloads that can never be applied, kept for inspection

GIROE_UID = 'giroe'
BNETZA_UPLOAD_UID = 'bnetza_excel'
