"""The deprecation headers of RFC 9745 and RFC 8594, read as a client reads them.

Deprecation: @1796083200                         (a structured date: @ + Unix seconds)
Sunset: Tue, 01 Jun 2027 00:00:00 GMT            (an HTTP date, IMF-fixdate)
Link: </api/v2/products>; rel="successor-version"
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

# RFC 9110, 5.6.7: the one form of HTTP date a server may send.
IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT"
)
STRUCTURED_DATE = re.compile(r"@(-?\d+)")

DEPRECATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
SUNSET_AT = datetime(2027, 6, 1, tzinfo=UTC)


def deprecation(value: str) -> int | None:
    """The Unix time of a Deprecation header, or None when it is not `@<seconds>`."""
    match = STRUCTURED_DATE.fullmatch(value.strip())
    return int(match.group(1)) if match else None


def sunset(value: str) -> datetime | None:
    """The moment of a Sunset header, or None when it is not an IMF-fixdate."""
    if not IMF_FIXDATE.fullmatch(value.strip()):
        return None
    try:
        return parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None


def links(value: str) -> list[tuple[str, set[str]]]:
    """(target, its rel values) of each link of a Link header (RFC 8288)."""
    found = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)", value):
        target, parameters = match.group(1), match.group(2)
        rels: set[str] = set()
        for parameter in re.finditer(r';\s*([^=;,\s]+)\s*=\s*("([^"]*)"|[^;,\s]+)', parameters):
            if parameter.group(1).lower() == "rel":
                text = parameter.group(3) if parameter.group(3) is not None else parameter.group(2)
                rels.update(text.lower().split())
        found.append((target, rels))
    return found


def successor(value: str | None) -> str | None:
    """The path of the link with rel="successor-version", or None."""
    for target, rels in links(value or ""):
        if "successor-version" in rels:
            return urlsplit(target).path
    return None


def http_date(moment: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment.astimezone(UTC), usegmt=True)
