"""Regenerate docs/workbook.md from allocator/workbook/schema.py.

Run: python docs/make_workbook_doc.py
"""

from __future__ import annotations

from pathlib import Path

from allocator.workbook.schema import (
    INPUT_SHEETS,
    OUTPUT_COLUMNS,
    OUTPUT_SHEETS,
    output_label,
)

INTRO = """# The fleet workbook

This page is generated from `allocator/workbook/schema.py` by `docs/make_workbook_doc.py`;
a test keeps them in step.

Rules for every input sheet:

- Row 1 holds the headers; one record per row below. Headers match ignoring case, spaces,
  dashes and underscores (`Capacity MW` is `capacity_mw`). Columns may come in any order. An
  unknown column is ignored with a warning that names the nearest known header; a *hidden*
  column with an unknown or blank header is your helper and is ignored silently. A hidden
  column with a known header, hidden rows and hidden input sheets are read, with a warning.
- Fully blank rows are ignored wherever they are. Sheets that are not listed here are yours and
  are never read or changed.
- Numbers: `45`, ` 45 `, `1,200.5`, `$45`, `$9,000,000`, and `(1,200)` for -1,200 (Excel's
  accounting form). Refused as ambiguous or foreign: `1,2`, `1.200,5`, `1 200`, other
  currencies (`€45`), units (`45 MW`).
- Months: `YYYY-MM` text (also `2026-1`, `2026-01-15`, `Jan 2026`, `01/2026`) or a real date
  cell; `15/01/2026` and `1/15/2026` only where day and month cannot be swapped (`01/02/2026`
  and two-digit years such as `Jan-26` are refused).
- Fractions: `0.02`, `2%` or a cell formatted as a percentage. Yes/no columns: yes/no,
  true/false, y/n, 1/0.
- Formulas count with the value the spreadsheet program saved. A formula with no saved value
  (a file written by a script and never opened) or an error value such as `#DIV/0!` is an error
  at its cell, never a blank.
- A blank optional cell takes the default given below.
- `.xlsx`, `.xlsm` and `.ods` are read. Refused before they are opened: files over 200 MB or
  unpacking to more, zip parts compressed over 100:1, XML that declares a DTD, workbooks
  listing over 1,000 sheets or holding over 1 million shared strings, input sheets whose used
  area exceeds 1 million cells, and paths that are not regular files (a FIFO, `/dev/zero`); see
  [hostile_files.md](hostile_files.md). (`.xls` and `.xlsb` are read too, but their sheets
  cannot be sized, nor their formulas checked, before loading.)
- Every problem in the workbook is reported at once as `Sheet!Cell: message (got value)`, the
  command exits with code 1 and writes nothing.

Miners: a row may name a model from the catalog (`models/asic_miners.csv`; case, spaces and
the brand prefix do not matter: `s21 xp` finds `Antminer S21 XP`) and give only `units`, or
give `hashrate_th` and `power_w` per unit for any other machine (these win over the catalog).

Catalog: the workbook's own `Catalog` sheet extends the shipped catalog for that workbook. The
template lists the shipped models there as reference rows; a row naming a shipped model with
the shipped `hashrate_th` and `power_w` changes nothing. A row with a new model name adds it,
so Miners rows may then name it with `units` alone. A row naming a shipped model with other
figures overrides them for this workbook, with a warning at the cell that differs (a
workbook's own figures win, as on a Miners row). Each row is checked like the shipped
catalog's (`hashrate_th` and `power_w` above 0, `efficiency_j_th` within 1 % of `power_w /
hashrate_th` or blank), one row per model. The plan's `Run Info` lists the models that came
from the sheet (`workbook_catalog`). A workbook without the sheet uses the shipped catalog, and
a sheet named `Catalog` is always read as this one.
"""

OUTPUT_RULES = """
Headers: row 1 of every output table holds the machine name of the column, exactly the
DataFrame column (`hashprice_usd_ph_day`), so `pandas.read_excel`, `allocator validate` and
pipelines read the sheet as before. What a person sees in that cell is its readable label
(`Hashprice ($/PH/day)`): the label is the header cell's number format (`;;;"Hashprice
($/PH/day)"`), which shows it in place of the cell's text, and the machine name stays in the
formula bar and in the header's note. Each header's note gives the label, the machine name
(`Column name: ...`) and what the column is and how it is computed. The `metric` cells of
`Scenario Comparison`, the Run Info keys and the input diff's parameters are shown by label
the same way; JSON output keeps the machine names.

Numbers follow their unit: money in whole dollars with `$` (NPV-sized figures such as
`npv_usd` and `cumulative_npv_usd` in `$M`), prices per MWh, kW-month and PH/day with cents,
MW with one decimal, EH/s, PH/s and J/TH with two, fractions as percent, factors with two
decimals (`discount_factor` four), counts and months as whole numbers. Yes/no columns are
written as `yes`/`no`, like the inputs. The chart of grid MW by use is at the top left of its
own sheet, `Summary Chart`; `Build Schedule`, `Miner Tranches` and `Leases` are
`plan.builds`, `plan.tranches` and `plan.leases`. The result tables print (or export to
PDF) landscape, with the header row and the key columns the frozen panes keep in view (a
Plan row's site and month, Site Value's site) repeated on every page.

An `.ods` input gets an `.ods` copy (`fleet.ods` -> `fleet.plan.ods`). Every part of the file
is kept as it was; in `content.xml` each of your sheets stays byte for byte the same XML, and
the result sheets are added after them as new tables with the automatic styles they need:
the same values, number formats ($, $M, %, MW and the rest as above), bold header row, column
widths and header notes, and the same headers (the cell's value is the machine name, shown as
its label). The marker is a sheet-level named expression (`fleet_allocator_sheet`, holding the
sheet's name), which LibreOffice keeps when it saves the file, so re-optimizing the tool's own
`.plan.ods` replaces its result sheets rather than adding a second set. Left out of `.ods`
files: charts (`Summary Chart` holds a line saying where its figures are, the Sensitivity
tornado and the scenario charts are not drawn, and the command prints a note), frozen panes,
print titles and filter buttons. `--results-only -o plan.ods` writes a new `.ods` with the
result sheets alone; a document-signed `.ods` is refused before anything is written.

Every output column, as its header shows it:
"""


def render() -> str:
    parts = [INTRO]
    for sheet in INPUT_SHEETS:
        need = "required" if sheet.required else "optional"
        parts.append(f"\n## `{sheet.name}` ({need})\n\n{sheet.description}\n")
        first = "key" if sheet.key_value else "column"
        parts.append(f"\n| {first} | unit | required | meaning |\n|---|---|---|---|\n")
        for col in sheet.columns:
            req = "yes" if col.required else "no"
            desc = col.description
            if col.choices:
                desc += f" Choices: {', '.join(col.choices)}."
            parts.append(f"| `{col.header}` | {col.unit} | {req} | {desc} |\n")
    parts.append("\n## Output sheets\n\n")
    parts.append(
        "Added to a copy of the input workbook, every part of which is kept byte for byte "
        "(the tool's own earlier output sheets, recognized by a marker it writes and not by "
        "name, are replaced; a sheet of yours named like an output sheet is refused, never "
        "replaced): "
        + ", ".join(f"`{name}`" for name in OUTPUT_SHEETS)
        + ". Their frames are documented in `allocator/results/plan.py`.\n"
    )
    parts.append(OUTPUT_RULES)
    parts.append("\n| column name | shown as | meaning |\n|---|---|---|\n")
    for name, meaning in OUTPUT_COLUMNS.items():
        parts.append(f"| `{name}` | {output_label(name)} | {meaning} |\n")
    return "".join(parts)


if __name__ == "__main__":
    target = Path(__file__).with_name("workbook.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
