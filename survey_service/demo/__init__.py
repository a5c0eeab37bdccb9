"""The demo city: a simulated Hà Nội with dossiers, samples, responses and known truth.

:func:`build_demo` fills a database (it backs ``survey-service demo``); the generation
itself is pure and lives in :mod:`survey_service.demo.city`, so tests and benchmarks can
use the simulated values without a database.
"""

from survey_service.demo.build import build_demo
from survey_service.demo.city import DemoCity, scored_items, simulate_city
from survey_service.demo.errors import DemoError

__all__ = ["DemoCity", "DemoError", "build_demo", "scored_items", "simulate_city"]
