"""Say what copying a source workbook with openpyxl would lose (charts, ...); never writes.

openpyxl keeps cells, styles, formulas, names and macros, but drops charts, pictures, pivot
tables and other parts it does not model. :func:`source_losses` walks the source's parts and
relationships with the one safe walker (:mod:`allocator.workbook.parts`), finds such parts and
the sheets that refer to them, and names them as a user would, so the writer can refuse the
source before anything is written.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from allocator.errors import InputError, OutputError
from allocator.workbook.parts import Package, local_name, open_package
from allocator.workbook.schema import RESULT_SHEETS, sheet_key

__all__ = ["source_losses"]

# Zip entries openpyxl cannot carry from a source workbook to its copy, by what a user calls them.
_UNSUPPORTED_PARTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^xl/charts/chart[^/]*\.xml$"), "charts"),
    (re.compile(r"^xl/chartsheets/[^/]+\.xml$"), "chart sheets"),
    (re.compile(r"^xl/media/[^/]+$"), "images"),
    (re.compile(r"^xl/pivotTables/[^/]+\.xml$"), "pivot tables"),
    (re.compile(r"^xl/slicers/[^/]+\.xml$"), "slicers"),
    (re.compile(r"^xl/slicerCaches/[^/]+\.xml$"), "slicers"),
    (re.compile(r"^xl/timelines/[^/]+\.xml$"), "timelines"),
    (re.compile(r"^xl/embeddings/[^/]+$"), "embedded objects"),
    (re.compile(r"^xl/activeX/[^/]+\.xml$"), "ActiveX controls"),
    (re.compile(r"^xl/ctrlProps/[^/]+\.xml$"), "form controls"),
    (re.compile(r"^xl/threadedComments/[^/]+\.xml$"), "threaded comments"),
)
# Drawing parts are judged by what they anchor: LibreOffice writes empty ones.
_DRAWING_PART = re.compile(r"^xl/drawings/[^/]+\.xml$")
# graphicData of charts and slicers, whose own parts are counted instead.
_DRAWING_CHART_URIS = ("/chart", "/chartex", "/slicer", "/timeslicer")
_ANCHOR_DEPTH = 2  # a drawing part's anchors are the children of its root element


def source_losses(source: str | Path, replaced: Iterable[str] = RESULT_SHEETS) -> list[str]:
    """What copying ``source`` with openpyxl would lose, as ``"charts (sheet 'Dash')"`` items.

    Content on the sheets in ``replaced`` (an earlier run's output) does not count: those
    sheets are rewritten anyway. Empty drawing parts (LibreOffice writes one per sheet with
    notes) do not count either.

    Raises:
        OutputError: ``source`` is not a readable .xlsx/.xlsm zip.
    """
    src = Path(source)
    try:
        with open_package(src) as package:
            where = _losses_by_label(package, {sheet_key(name) for name in replaced})
    except InputError as exc:  # the walker refused a part: a DTD, bad XML, a damaged entry
        raise OutputError(f"Cannot copy {src}: not a readable .xlsx/.xlsm workbook "
                          f"({exc.problems[0].message})") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise OutputError(
            f"Cannot copy {src}: not a readable .xlsx/.xlsm workbook ({exc})"
        ) from exc
    return [
        f"{label} (sheet {', '.join(repr(n) for n in sheets)})" if sheets else label
        for label, sheets in where.items()
    ]


def _losses_by_label(package: Package, skip: set[str]) -> dict[str, list[str]]:
    """Label -> the sheets (not in ``skip``) whose content of that kind a copy would lose."""
    book = package.workbook_part()
    if not package.has(book):
        raise KeyError(f"There is no item named {book!r} in the archive")
    closure = {name: package.reachable(part) for name, part in package.sheet_parts().items()}
    excused: set[str] = set()
    for name, parts in closure.items():
        if sheet_key(name) in skip:
            excused |= parts
    where: dict[str, list[str]] = {}
    for part in package.names:
        if part in excused:
            continue
        on = [n for n, ps in closure.items() if part in ps and sheet_key(n) not in skip]
        for label in _part_labels(package, part):
            found = where.setdefault(label, [])
            found += [n for n in on if n not in found]
    return where



def _part_labels(package: Package, part: str) -> list[str]:
    """What a user would call the content of ``part`` that a copy would lose; ``[]`` = none."""
    if _DRAWING_PART.match(part):
        drawing = _DrawingScan()
        package.parse(part, drawing.start, drawing.end)
        return list(dict.fromkeys(drawing.labels))
    for pattern, label in _UNSUPPORTED_PARTS:
        if pattern.match(part):
            return [label]
    return []


class _DrawingScan:
    """Expat handlers that label the pictures, shapes and other graphics a drawing part anchors.

    Its charts and slicers are counted from their own parts. ``mc:Fallback`` stand-ins are
    left out (Excel puts a text box there for slicers, which is not a shape of the user's).
    """

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.depth = 0
        self.fallback_depth: int | None = None  # depth of the mc:Fallback being skipped
        self.names: set[str] = set()
        self.uris: set[str] = set()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        local = local_name(name)
        if self.depth < _ANCHOR_DEPTH or self.fallback_depth is not None:
            return
        if self.depth == _ANCHOR_DEPTH:
            self.names, self.uris = set(), set()
        elif local == "Fallback":
            self.fallback_depth = self.depth
            return
        self.names.add(local)
        if local == "graphicData":
            self.uris.add(attrs.get("uri", ""))

    def end(self, name: str) -> None:
        if self.depth == self.fallback_depth:
            self.fallback_depth = None
        if self.depth == _ANCHOR_DEPTH:
            self._close_anchor()
        self.depth -= 1

    def _close_anchor(self) -> None:
        if "pic" in self.names:
            self.labels.append("images")
        if self.names & {"sp", "cxnSp", "grpSp"}:
            self.labels.append("shapes or text boxes")
        if "contentPart" in self.names:
            self.labels.append("ink drawings")
        if any(not uri.endswith(_DRAWING_CHART_URIS) for uri in self.uris):
            self.labels.append("SmartArt or other graphics")
