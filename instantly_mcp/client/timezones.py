"""The closed list of schedule timezones Instantly accepts (createCampaign `campaign_schedule.schedules[].timezone`).

Copied from the v2 OpenAPI document; common names such as America/New_York are NOT in it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

INSTANTLY_TIMEZONES: tuple[str, ...] = (
    'Etc/GMT+12', 'Etc/GMT+11', 'Etc/GMT+10', 'America/Anchorage', 'America/Dawson', 'America/Creston',
    'America/Chihuahua', 'America/Boise', 'America/Belize', 'America/Chicago', 'America/Bahia_Banderas',
    'America/Regina', 'America/Bogota', 'America/Detroit', 'America/Indiana/Marengo', 'America/Caracas',
    'America/Asuncion', 'America/Glace_Bay', 'America/Campo_Grande', 'America/Anguilla', 'America/Santiago',
    'America/St_Johns', 'America/Sao_Paulo', 'America/Argentina/La_Rioja', 'America/Araguaina', 'America/Godthab',
    'America/Montevideo', 'America/Bahia', 'America/Noronha', 'America/Scoresbysund', 'Atlantic/Cape_Verde',
    'Africa/Casablanca', 'America/Danmarkshavn', 'Europe/Isle_of_Man', 'Atlantic/Canary', 'Africa/Abidjan',
    'Arctic/Longyearbyen', 'Europe/Belgrade', 'Africa/Ceuta', 'Europe/Sarajevo', 'Africa/Algiers',
    'Africa/Windhoek', 'Asia/Nicosia', 'Asia/Beirut', 'Africa/Cairo', 'Asia/Damascus', 'Europe/Bucharest',
    'Africa/Blantyre', 'Europe/Helsinki', 'Europe/Istanbul', 'Asia/Jerusalem', 'Africa/Tripoli', 'Asia/Amman',
    'Asia/Baghdad', 'Europe/Kaliningrad', 'Asia/Aden', 'Africa/Addis_Ababa', 'Europe/Kirov', 'Europe/Astrakhan',
    'Asia/Tehran', 'Asia/Dubai', 'Asia/Baku', 'Indian/Mahe', 'Asia/Tbilisi', 'Asia/Yerevan', 'Asia/Kabul',
    'Antarctica/Mawson', 'Asia/Yekaterinburg', 'Asia/Karachi', 'Asia/Kolkata', 'Asia/Colombo', 'Asia/Kathmandu',
    'Antarctica/Vostok', 'Asia/Dhaka', 'Asia/Rangoon', 'Antarctica/Davis', 'Asia/Novokuznetsk', 'Asia/Hong_Kong',
    'Asia/Krasnoyarsk', 'Asia/Brunei', 'Australia/Perth', 'Asia/Taipei', 'Asia/Choibalsan', 'Asia/Irkutsk',
    'Asia/Dili', 'Asia/Pyongyang', 'Australia/Adelaide', 'Australia/Darwin', 'Australia/Brisbane',
    'Australia/Melbourne', 'Antarctica/DumontDUrville', 'Australia/Currie', 'Asia/Chita', 'Antarctica/Macquarie',
    'Asia/Sakhalin', 'Pacific/Auckland', 'Etc/GMT-12', 'Pacific/Fiji', 'Asia/Anadyr', 'Asia/Kamchatka',
    'Etc/GMT-13', 'Pacific/Apia'
)
_ALLOWED = frozenset(INSTANTLY_TIMEZONES)


def is_allowed(name: str) -> bool:
    return name in _ALLOWED


@lru_cache(maxsize=256)
def _offsets(name: str) -> tuple[float, float] | None:
    """UTC offsets (hours) in January and July, or None when the zone is unknown here."""
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(name)
    except Exception:  # noqa: BLE001 - unknown name or no tz database on this machine
        return None
    out = []
    for month in (1, 7):
        off = dt.datetime(2025, month, 15, 12, tzinfo=zone).utcoffset()
        out.append(off.total_seconds() / 3600 if off is not None else 0.0)
    return (out[0], out[1])


def suggest(name: str, limit: int = 3) -> list[str]:
    """Allowed zones with the same UTC offsets as `name` (summer and winter), best effort."""
    want = _offsets(name)
    if want is None:
        lowered = name.lower().split("/")[-1]
        return [t for t in INSTANTLY_TIMEZONES if lowered and lowered in t.lower()][:limit]
    for same in (lambda o: o == want, lambda o: o[0] == want[0], lambda o: o[1] == want[1]):
        found = [t for t in INSTANTLY_TIMEZONES if (o := _offsets(t)) is not None and same(o)]
        if found:
            return found[:limit]
    return []


def timezone_error(name: str) -> str:
    hint = suggest(name)
    alt = f" Closest by UTC offset: {', '.join(hint)}." if hint else " Examples: America/Chicago, America/Detroit, Europe/Belgrade."
    return f"'{name}' is not in Instantly's closed list of schedule timezones.{alt}"
