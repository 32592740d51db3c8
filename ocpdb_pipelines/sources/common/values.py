"""Value readers shared by every JSON family (OCPI, chargecloud, opendata_swiss, Goldbeck, Lichtblick, giro-e,
DATEX II).

Field readers (`opt_str(raw, key)`, `as_list(raw, key)`, `parse_datetime(value, field)`, …) either return a
clean value or raise `RecordError` with a reason; the caller turns that into a `skip(...)` of the record it
was reading, so one broken record never fails the run. The lenient readers (`dict_or_empty`, `list_or_empty`,
`datetime_or_none`) never raise: DATEX II leaves out what it cannot read instead of skipping the record.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import ValidationError

from ocpdb_pipelines.sources.base import PayloadError

BERLIN = ZoneInfo('Europe/Berlin')


class RecordError(ValueError):
    """One record (location, EVSE, connector, …) cannot be mapped; the message is the skip reason."""


def skip_reason(exc: Exception) -> str:
    """The reason a skipped record is counted under: the first model validation error, or the message."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f'invalid {".".join(str(p) for p in first["loc"])}: {first["msg"]}'
    return str(exc) or type(exc).__name__


def load_json(body: bytes, what: str = 'payload') -> Any:
    """Parse a whole response body (gzip is detected by its magic bytes); an unreadable body is a PayloadError
    (the run fails, nothing changes)."""
    if body[:2] == b'\x1f\x8b':
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise PayloadError(f'{what}: broken gzip body ({exc})') from exc
    if not body or not body.strip():
        raise PayloadError(f'{what}: empty body')
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f'{what}: invalid JSON ({exc})') from exc


_WS = re.compile(r'\s+')


def clean_text(value: str) -> str:
    """Drop CR, turn LF/NBSP/zero-width space into spaces, collapse whitespace runs, trim."""
    value = value.replace('\r', '').replace('\u200b', '').replace('\xa0', ' ')
    return _WS.sub(' ', value).strip()


def opt_str(raw: dict, key: str, *, max_length: int | None = None) -> str | None:
    """An optional text field: absent, null and blank give None; a non-text value is a record error."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f'{key}: expected text, got {type(value).__name__}')
    text = clean_text(str(value))
    if not text:
        return None
    if max_length is not None:
        text = text[:max_length]
    return text


def req_id(raw: dict, key: str, *, max_length: int = 64) -> str:
    """A required identifier (text or integer), at most max_length characters."""
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise RecordError(f'{key}: missing or not an identifier ({value!r})')
    text = str(value).strip()
    if len(text) > max_length:
        raise RecordError(f'{key}: longer than {max_length} characters')
    return text


def opt_bool(raw: dict, key: str) -> bool | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    raise RecordError(f'{key}: expected a boolean, got {value!r}')


def to_int(value: Any, field: str) -> int | None:
    """An integer given as a JSON number or numeric text; fractions are rounded, negatives refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RecordError(f'{field}: expected a number, got a boolean')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(f'{field}: expected a number, got {value!r}') from None
    if not number.is_finite() or number < 0:
        raise RecordError(f'{field}: {value!r} is not a usable non-negative number')
    return int(number.to_integral_value())


def to_decimal(value: Any, field: str) -> Decimal:
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f'{field}: missing or not a number ({value!r})')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(f'{field}: not a number ({value!r})') from None
    if not number.is_finite():
        raise RecordError(f'{field}: not a finite number')
    return number


def coordinates(lat: Any, lon: Any) -> tuple[Decimal, Decimal]:
    """Latitude/longitude as numbers or numeric text, range-checked; (0, 0) counts as missing."""
    latitude, longitude = to_decimal(lat, 'latitude'), to_decimal(lon, 'longitude')
    if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
        raise RecordError(f'coordinates out of range ({latitude}, {longitude})')
    if latitude == 0 and longitude == 0:
        raise RecordError('coordinates are (0, 0)')
    return latitude, longitude


def parse_datetime(value: Any, field: str, *, naive_zone: tzinfo = UTC) -> datetime | None:
    """ISO 8601 with `Z`, an offset or no zone (read in naive_zone); returned in UTC."""
    if value is None or value == '':
        return None
    if not isinstance(value, str):
        raise RecordError(f'{field}: expected an ISO datetime, got {type(value).__name__}')
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(f'{field}: not an ISO datetime ({value!r})') from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(UTC)


def as_list(raw: dict, key: str) -> list:
    """An optional list field: absent/null give []; a non-list is a record error."""
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f'{key}: expected a list, got {type(value).__name__}')
    return value


def as_dict(raw: dict, key: str, *, required: bool = False) -> dict | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise RecordError(f'{key}: missing')
        return None
    if not isinstance(value, dict):
        raise RecordError(f'{key}: expected an object, got {type(value).__name__}')
    return value


# ISO 3166-1 alpha-2 -> alpha-3 (iso-codes data), as pairs "XXyyy"
_ISO_PAIRS = (
    'ADAND AEARE AFAFG AGATG AIAIA ALALB AMARM AOAGO AQATA ARARG ASASM ATAUT AUAUS AWABW AXALA AZAZE BABIH '
    'BBBRB BDBGD BEBEL BFBFA BGBGR BHBHR BIBDI BJBEN BLBLM BMBMU BNBRN BOBOL BQBES BRBRA BSBHS BTBTN BVBVT '
    'BWBWA BYBLR BZBLZ CACAN CCCCK CDCOD CFCAF CGCOG CHCHE CICIV CKCOK CLCHL CMCMR CNCHN COCOL CRCRI CUCUB '
    'CVCPV CWCUW CXCXR CYCYP CZCZE DEDEU DJDJI DKDNK DMDMA DODOM DZDZA ECECU EEEST EGEGY EHESH ERERI ESESP '
    'ETETH FIFIN FJFJI FKFLK FMFSM FOFRO FRFRA GAGAB GBGBR GDGRD GEGEO GFGUF GGGGY GHGHA GIGIB GLGRL GMGMB '
    'GNGIN GPGLP GQGNQ GRGRC GSSGS GTGTM GUGUM GWGNB GYGUY HKHKG HMHMD HNHND HRHRV HTHTI HUHUN IDIDN IEIRL '
    'ILISR IMIMN ININD IOIOT IQIRQ IRIRN ISISL ITITA JEJEY JMJAM JOJOR JPJPN KEKEN KGKGZ KHKHM KIKIR KMCOM '
    'KNKNA KPPRK KRKOR KWKWT KYCYM KZKAZ LALAO LBLBN LCLCA LILIE LKLKA LRLBR LSLSO LTLTU LULUX LVLVA LYLBY '
    'MAMAR MCMCO MDMDA MEMNE MFMAF MGMDG MHMHL MKMKD MLMLI MMMMR MNMNG MOMAC MPMNP MQMTQ MRMRT MSMSR MTMLT '
    'MUMUS MVMDV MWMWI MXMEX MYMYS MZMOZ NANAM NCNCL NENER NFNFK NGNGA NINIC NLNLD NONOR NPNPL NRNRU NUNIU '
    'NZNZL OMOMN PAPAN PEPER PFPYF PGPNG PHPHL PKPAK PLPOL PMSPM PNPCN PRPRI PSPSE PTPRT PWPLW PYPRY QAQAT '
    'REREU ROROU RSSRB RURUS RWRWA SASAU SBSLB SCSYC SDSDN SESWE SGSGP SHSHN SISVN SJSJM SKSVK SLSLE SMSMR '
    'SNSEN SOSOM SRSUR SSSSD STSTP SVSLV SXSXM SYSYR SZSWZ TCTCA TDTCD TFATF TGTGO THTHA TJTJK TKTKL TLTLS '
    'TMTKM TNTUN TOTON TRTUR TTTTO TVTUV TWTWN TZTZA UAUKR UGUGA UMUMI USUSA UYURY UZUZB VAVAT VCVCT VEVEN '
    'VGVGB VIVIR VNVNM VUVUT WFWLF WSWSM YEYEM YTMYT ZAZAF ZMZMB ZWZWE'
)
ALPHA2_TO_ALPHA3: dict[str, str] = {pair[:2]: pair[2:] for pair in _ISO_PAIRS.split()}
_ALPHA3 = frozenset(ALPHA2_TO_ALPHA3.values())


def country_alpha3(value: Any) -> str | None:
    """Alpha-2 or alpha-3 country code -> alpha-3; anything unrecognised gives None."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    if len(code) == 2:
        return ALPHA2_TO_ALPHA3.get(code)
    return code if code in _ALPHA3 else None


def dict_or_empty(value: Any) -> dict:
    """The value when it is an object, else `{}` (lenient)."""
    return value if isinstance(value, dict) else {}


def list_or_empty(value: Any) -> list:
    """The value when it is a list, else `[]` (lenient)."""
    return value if isinstance(value, list) else []


def datetime_or_none(value: Any) -> datetime | None:
    """`parse_datetime` that reads anything unreadable as None (lenient); a zone-less value is UTC."""
    try:
        return parse_datetime(value, 'datetime') if isinstance(value, str) else None
    except RecordError:
        return None
