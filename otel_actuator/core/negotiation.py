"""Content negotiation as Spring Boot's actuator does it."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

V3_JSON = "application/vnd.spring-boot.actuator.v3+json"
V2_JSON = "application/vnd.spring-boot.actuator.v2+json"
APPLICATION_JSON = "application/json"
TEXT_PLAIN = "text/plain"

#: What every JSON operation produces, in Spring's order of preference.
JSON_TYPES: tuple[str, ...] = (V3_JSON, V2_JSON, APPLICATION_JSON)
JSON_AND_TEXT: tuple[str, ...] = (*JSON_TYPES, TEXT_PLAIN)


class ApiVersion(enum.Enum):
    """Which Spring Boot generation of body shapes to answer with."""

    V2 = 2
    V3 = 3


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float
    position: int

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return True
        if self.type != main:
            return False
        return self.subtype == "*" or self.subtype == sub

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header; malformed entries are ignored, q=0 entries dropped."""
    ranges: list[MediaRange] = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        if not main or not sub:
            continue
        quality = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            ranges.append(MediaRange(main, sub, quality, position))
    return ranges


def _vendor_rank(media_type: str) -> int:
    return 0 if media_type in (V3_JSON, V2_JSON) else 1


def choose_media_type(accept: str, producible: Sequence[str]) -> Optional[str]:
    """The producible media type to answer with, or None (406).

    No Accept header (or an empty one) means */*. Among ranges of equal quality the more specific wins,
    and an actuator vendor type wins over plain application/json.
    """
    if not accept.strip():
        return producible[0] if producible else None
    best: Optional[tuple[tuple[float, int, int, int, int], str]] = None
    for media_range in parse_accept(accept):
        for index, candidate in enumerate(producible):
            if not media_range.matches(candidate):
                continue
            key = (
                -media_range.quality,
                -media_range.specificity,
                _vendor_rank(candidate) if media_range.specificity == 2 else 0,
                media_range.position,
                index,
            )
            if best is None or key < best[0]:
                best = (key, candidate)
    return best[1] if best else None


def body_version(accept: str) -> ApiVersion:
    """Spring's rule: the highest actuator version named in Accept wins; none named means the latest."""
    lowered = accept.lower()
    if V3_JSON in lowered:
        return ApiVersion.V3
    if V2_JSON in lowered:
        return ApiVersion.V2
    return ApiVersion.V3
