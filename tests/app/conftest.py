"""Fixtures for the app tests: AppTest on app.py with fresh caches, temp work files, and
the browser tests' server, browser and tab (see ``browser_kit``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

import pages.common.analyses
from pose_core.settings import Settings

# The real-browser fixtures (a server per module, its browser, a fresh tab per test).
from tests.app.browser_kit import browser, page, server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT_S = 60  # the default 3 s is too short for a model run on 2 cores


@pytest.fixture(autouse=True)
def _private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads, annotated clips, references and models go to this test's own folders."""
    monkeypatch.setenv("POSELAB_WORK", str(tmp_path / "work"))
    monkeypatch.setenv("POSELAB_DATA", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """st.cache_* are shared by every AppTest in the process: start each test empty."""
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def _navigation_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run app.py's st.navigation on every AppTest run, as the server does.

    With a ``pages/`` folder next to the entry file Streamlit starts in its legacy
    multipage mode and only leaves it when ``st.navigation`` runs; the server then stays
    in navigation mode for good, but AppTest resets the flag before each run, which
    would run a page file alone, without app.py's sidebar.
    """
    init = PagesManager.__init__

    def init_v2(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_v2)


@pytest.fixture
def app() -> AppTest:
    """The app on its Home page, run once."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def model_runs(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The Settings of every real model run the pages start (the shared cache's misses)."""
    calls: list[Settings] = []
    real = pages.common.analyses.analyze_path

    def spy(path, settings, *args, **kwargs):
        calls.append(settings)
        return real(path, settings, *args, **kwargs)

    monkeypatch.setattr(pages.common.analyses, "analyze_path", spy)
    return calls
