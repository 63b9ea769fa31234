"""Regenerate docs/workbook.md from allocator/workbook/schema.py.

Run: python docs/make_workbook_doc.py
"""

from __future__ import annotations

from pathlib import Path

from allocator.workbook.schema import INPUT_SHEETS, OUTPUT_SHEETS

INTRO = """# The fleet workbook

This page is generated from `allocator/workbook/schema.py` by `docs/make_workbook_doc.py`;
a test keeps them in step.

Rules for every input sheet:

- Row 1 holds the headers; one record per row below. Headers match ignoring case, spaces,
  dashes and underscores (`Capacity MW` is `capacity_mw`). Columns may come in any order. An
  unknown column is ignored with a warning that names the nearest known header.
- Fully blank rows are ignored wherever they are. Sheets that are not listed here are yours and
  are never read or changed.
- Months: `YYYY-MM` text (also `2026-1`, `2026-01-15`, `Jan 2026`) or a real date cell.
- Fractions: `0.02` or `2%`. Yes/no columns: yes/no, true/false, y/n, 1/0.
- A blank optional cell takes the default given below.
- Every problem in the workbook is reported at once as `Sheet!Cell: message (got value)`, the
  command exits with code 1 and writes nothing.

Miners: a row may name a model from the catalog (`models/asic_miners.csv`; case, spaces and
the brand prefix do not matter: `s21 xp` finds `Antminer S21 XP`) and give only `units`, or
give `hashrate_th` and `power_w` per unit for any other machine (these win over the catalog).
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
        "Added to a copy of the input workbook (earlier output sheets of the same names are "
        "replaced; your own sheets are kept as they are): "
        + ", ".join(f"`{name}`" for name in OUTPUT_SHEETS)
        + ". Their columns are documented in `allocator/plan.py`.\n"
    )
    return "".join(parts)


if __name__ == "__main__":
    target = Path(__file__).with_name("workbook.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
