"""The statistician console: frame imports, sample designs, fieldwork, weights, publishing.

Server-rendered pages under ``/staff/console`` for statisticians and administrators, over
the services the CLI and the JSON API use.
"""

from __future__ import annotations

from survey_service.features.console.design_pages import DesignPages
from survey_service.features.console.fieldwork_pages import FieldworkPages
from survey_service.features.console.frame_pages import FramePages
from survey_service.features.console.home_pages import ConsoleHome
from survey_service.features.console.weight_pages import WeightPages

__all__ = ["ROUTES"]

ROUTES = [ConsoleHome, FramePages, DesignPages, FieldworkPages, WeightPages]
