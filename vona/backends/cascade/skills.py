"""The offline demo's skills: deterministic weather and a clock, as a ``SkillRegistry``."""

from __future__ import annotations

import time
from typing import Any

from vona.skills import SkillRegistry

__all__ = ["WEATHER_TABLE", "demo_skills"]

WEATHER_TABLE: dict[str, tuple[str, int]] = {
    "paris": ("sunny", 21),
    "london": ("cloudy", 16),
    "tokyo": ("rainy", 18),
    "new york": ("windy", 12),
    "berlin": ("foggy", 9),
}


def demo_skills() -> SkillRegistry:
    """``get_weather(city)`` from a fixed table (unknown cities fail, so the error path is
    audible too) and ``get_time()`` from the local clock."""
    registry = SkillRegistry()

    @registry.skill(timeout_s=2.0)
    def get_weather(city: str) -> dict[str, Any]:
        """Current weather conditions and temperature (Celsius) in a city."""
        key = city.strip().lower()
        if key not in WEATHER_TABLE:
            raise LookupError(f"no weather data for {city}")
        conditions, temp = WEATHER_TABLE[key]
        return {"city": city, "conditions": conditions, "temperature_c": temp}

    @registry.skill(timeout_s=2.0)
    def get_time() -> dict[str, Any]:
        """The current local time."""
        return {"time": time.strftime("%H:%M")}

    return registry
