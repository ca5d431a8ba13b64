"""Shared fixtures. Tests that need ../shared/ skip with a clear message without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.pipeline import Auditor

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def auditor() -> Auditor:
    return Auditor()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    news = SHARED / "data" / "news"
    if not news.is_dir():
        pytest.skip(f"real news data not found at {news} (needs ../shared/ beside the repo)")
    return news
