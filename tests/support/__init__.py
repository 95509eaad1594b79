"""Helpers shared by the tests (not tests themselves): paths, snapshots, fixtures."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
"""The tests/ folder."""
REPO = TESTS.parent
"""The checkout."""
