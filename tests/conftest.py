"""Shared test set-up: the folder layout mirrors ``allocator/``; the kits beside this file.

pytest puts this folder on ``sys.path`` (rootdir conftest), so every test imports the kits
``fleetkit``, ``bookkit`` and ``scenariokit`` by name from any subfolder.
"""
