"""Fixtures of the export tests: the demo city of the indices tests (both backends)."""

from __future__ import annotations

from tests.indices.demo import fx_demo_url

__all__ = ["fx_demo_url"]
