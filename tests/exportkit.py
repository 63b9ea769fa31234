"""Reading results folders back in the exports tests: their metadata, and each table's grain."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from allocator.exports.folder import METADATA_FILE


def metadata(folder: Path) -> dict[str, object]:
    """The folder's ``metadata.json``."""
    data = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def grain_is_unique(folder: Path, suffix: str) -> None:
    """Every table has the rows its metadata says, and no two rows share its grain."""
    tables = metadata(folder)["tables"]
    assert isinstance(tables, dict)
    for name, table in tables.items():
        frame = (pd.read_parquet(folder / table["file"]) if suffix == "parquet"
                 else pd.read_csv(folder / table["file"]))
        assert len(frame) == table["rows"], name
        if table["grain"] and len(frame):
            assert not frame.duplicated(subset=table["grain"]).any(), name
