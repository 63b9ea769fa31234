"""Regenerate sample_inputs/infeasible.xlsx: the sample fleet with firm offers it cannot serve.

Run:  python sample_inputs/make_infeasible.py

The story: the board wants both neocloud offers signed as firm (Neocloud MG at least 80 MW
from 2027-01 at Alpha Ridge, Delta Basin and Glacier Point; AI Lab NNN at least 150 MW from
2027-07 anywhere) on top of the firm 25 MW Cedar retrofit. Each offer fits on its own, so the
workbook passes `allocator validate`; together, with conversion lead times and the 200 MW a
year conversion pace, they do not. `allocator explain sample_inputs/infeasible.xlsx --relax`
says why and what would have to give.
"""

from __future__ import annotations

from pathlib import Path

from allocator import read_workbook
from allocator.workbook.fleet_writer import write_fleet

HERE = Path(__file__).resolve().parent


def main() -> None:
    fleet = read_workbook(HERE / "fleet.xlsx").fleet
    firm = {"Neocloud MG": 80.0, "AI Lab NNN": 150.0}
    contracts = tuple(
        c.model_copy(update={"firm": True, "min_mw": firm[c.name]}) if c.name in firm else c
        for c in fleet.contracts
    )
    target = write_fleet(fleet.model_copy(update={"contracts": contracts}),
                         HERE / "infeasible.xlsx", overwrite=True)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
