"""Workbook files the way other programs write them: raw OOXML parts, .xlsm and LibreOffice copies.

openpyxl (``fleetkit.write_book``) cannot write what these tests need: cached formula values,
error cells, shared strings with a DTD, lying zip headers. These helpers write the parts by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from allocator.workbook.cells import column_letter

SOFFICE = shutil.which("soffice")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_BOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


column_name = column_letter  # 0 -> "A", the reader's own helper


def cell_xml(ref: str, value: object) -> str:
    """One ``<c>``: numbers, text (inline), ``("=SUM(A1)", 3)`` a formula with its cached value,
    ``("=SUM(A1)", None)`` one without, ``("#DIV/0!",)`` an error value; ``None`` nothing."""
    if value is None:
        return ""
    if isinstance(value, tuple) and len(value) == 1:
        return f'<c r="{ref}" t="e"><v>{escape(str(value[0]))}</v></c>'
    if isinstance(value, tuple):
        formula, cached = value
        body = f"<f>{escape(str(formula).removeprefix('='))}</f>"
        if cached is None:
            return f'<c r="{ref}">{body}</c>'
        if isinstance(cached, str):
            return f'<c r="{ref}" t="str">{body}<v>{escape(cached)}</v></c>'
        return f'<c r="{ref}">{body}<v>{cached}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: Sequence[Sequence[object]], *, hidden_columns: Sequence[int] = (),
              hidden_rows: Sequence[int] = (), extra: str = "") -> str:
    """A worksheet part; ``hidden_columns`` 0-based, ``hidden_rows`` 1-based."""
    cols = "".join(f'<col min="{c + 1}" max="{c + 1}" hidden="1" width="0"/>'
                   for c in hidden_columns)
    body = []
    for r, row in enumerate(rows, start=1):
        hidden = ' hidden="1"' if r in hidden_rows else ""
        cells = "".join(cell_xml(f"{column_name(c)}{r}", v) for c, v in enumerate(row))
        body.append(f'<row r="{r}"{hidden}>{cells}</row>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            + (f"<cols>{cols}</cols>" if cols else "")
            + f"<sheetData>{''.join(body)}</sheetData>{extra}</worksheet>")


def raw_xlsx(path: Path, sheets: Mapping[str, str], *, shared_strings: str | None = None,
             hidden_sheets: Sequence[str] = (), macro: bool = False,
             compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write an .xlsx (or .xlsm with ``macro``) from worksheet XML strings, name -> part."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
        for i in range(1, len(names) + 1))
    if shared_strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
    book_type = MACRO_BOOK_TYPE if macro else BOOK_TYPE
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
           if macro else "")
        + f'<Override PartName="/xl/workbook.xml" ContentType="{book_type}"/>{overrides}</Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                 f'<Relationship Id="rId1" Type="{REL}/officeDocument" '
                 'Target="xl/workbook.xml"/></Relationships>')
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
        + (' state="hidden"' if name in hidden_sheets else "") + "/>"
        for i, name in enumerate(names, start=1))
    book = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<sheets>{entries}</sheets></workbook>")
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
    if shared_strings is not None:
        rels += (f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" '
                 'Target="sharedStrings.xml"/>')
    if macro:
        rels += ('<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/'
                 'relationships/vbaProject" Target="vbaProject.bin"/>')
    book_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}' \
                "</Relationships>"
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        for i, name in enumerate(names, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheets[name])
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        if macro:
            archive.writestr("xl/vbaProject.bin", bytes(range(256)))
    return path


def rows_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]], **kw: Any) -> Path:
    """:func:`raw_xlsx` from rows (see :func:`cell_xml` for the cell forms)."""
    return raw_xlsx(path, {name: sheet_xml(rows) for name, rows in sheets.items()}, **kw)


def soffice_convert(files: Sequence[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert ``files`` with LibreOffice headless in one run; returns the new files."""
    assert SOFFICE is not None, "LibreOffice is not installed"
    profile = outdir / "lo-profile"
    result = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         fmt, "--outdir", str(outdir), *map(str, files)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    ext = fmt.split(":", 1)[0]
    out = [outdir / f"{f.stem}.{ext}" for f in files]
    missing = [p.name for p in out if not p.is_file()]
    assert result.returncode == 0 and not missing, (missing, result.stdout, result.stderr)
    return out
