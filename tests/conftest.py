"""Shared test set-up: kits on the path and LibreOffice tests marked slow; no fixtures here.

The folder layout mirrors ``allocator/``; the kits ``fleetkit``, ``bookkit`` and
``scenariokit`` sit beside this file, and pytest puts this folder on ``sys.path`` (rootdir
conftest), so every test imports them by name from any subfolder.

``pytest -m "not slow"`` is the fast loop; plain ``pytest`` (what CI runs) runs everything.
A test is marked ``slow`` when it takes over half a second on an idle two-core machine.
A test marked ``libreoffice`` is slow as well, so it needs no second marker.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every ``libreoffice`` test ``slow`` before ``-m`` selects (hence ``tryfirst``)."""
    for item in items:
        if item.get_closest_marker("libreoffice") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
