"""Infeasibility in plain words (IIS translated back to sites, months, contracts) and the
elastic mode's smallest fix, checked by re-solving with the fix applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fleetkit import contract, fleet, miners, site, verified

from allocator import optimize
from allocator.cli.main import cli
from allocator.errors import InfeasibleError
from allocator.optimization.infeasibility import explain_infeasibility, relax

ROOT = Path(__file__).resolve().parents[2]

TWO_FIRM = fleet(
    months=12,
    sites=[site("Delta", hpc_existing_mw=10, hpc_convertible_mw=20, conversion_lead_months=6),
           site("Kappa", hpc_convertible_mw=15, conversion_lead_months=3)],
    contracts=[contract("Lease-A", min_mw=10, firm=True, max_mw=40),
               contract("Lease-B", min_mw=40, firm=True, start_month="2026-07", max_mw=40,
                        sites=("Delta", "Kappa"))],
)


def test_competing_firm_contracts_are_explained() -> None:
    """Each contract fits alone (so the consistency pass lets it through); together they
    need 50 MW where at most 45 MW can be online by July."""
    with pytest.raises(InfeasibleError) as err:
        optimize(TWO_FIRM)
    text = str(err.value)
    assert ("Contracts Lease-A, Lease-B need 50 MW at sites Delta, Kappa from 2026-07, but at "
            "most 45.0 MW can be converted and online there in time.") in text
    assert "Contract Lease-B is firm: at least 40 MW from 2026-07" in text
    assert "At most 20 MW can be converted at site Delta." in text
    assert err.value.explanation is not None
    assert any(n.startswith("contract_delivery__") or n.startswith("commit__")
               for n in err.value.explanation.constraints)


def test_relax_gives_a_change_that_works() -> None:
    changes = relax(TWO_FIRM)
    assert changes == ["Lower the firm minimum of contract Lease-A by 5.0 MW (to 5.0 MW), or "
                       "make it not firm."]
    fixed = TWO_FIRM.model_copy(update={"contracts": (
        TWO_FIRM.contracts[0].model_copy(update={"min_mw": 5.0}), TWO_FIRM.contracts[1])})
    assert verified(fixed).contracts["committed_mw"].sum() == pytest.approx(45.0)


def test_hashrate_policy_against_a_firm_lease() -> None:
    """A 30 MW mining floor and a firm 20 MW lease on a 40 MW site cannot both hold."""
    f = fleet(sites=[site(capacity_mw=40, hpc_existing_mw=20)], miner_rows=[miners()],
              contracts=[contract(min_mw=20, firm=True, power_pass_through=True)],
              min_fleet_hashrate_ehs=30 / 13.5)
    explanation = explain_infeasibility(f)
    assert explanation is not None
    text = str(explanation)
    assert "min_fleet_hashrate_ehs asks for 2.22222 EH/s in 2026-01" in text
    assert "Site A has 40 MW of grid power in 2026-01" in text
    changes = relax(f)
    assert len(changes) == 1 and ("min_fleet_hashrate_ehs" in changes[0]
                                  or "firm minimum" in changes[0])


def test_feasible_fleet_has_nothing_to_explain() -> None:
    assert explain_infeasibility(fleet(sites=[site(hpc_existing_mw=10)],
                                       contracts=[contract()])) is None
    assert relax(fleet()) == []


def test_sample_infeasible_workbook_explained_by_the_cli() -> None:
    book = ROOT / "sample_inputs" / "infeasible.xlsx"
    assert CliRunner().invoke(cli, ["validate", str(book)]).exit_code == 0
    result = CliRunner().invoke(cli, ["explain", str(book), "--relax"])
    assert result.exit_code == 1
    out = result.output
    for words in ("Neocloud MG", "AI Lab NNN", "Cedar Retrofit", "2027-07",
                  "max_conversion_mw_per_year", "Smallest change", "Delta Basin"):
        assert words in out, words
    result = CliRunner().invoke(cli, ["optimize", str(book), "--no-write"])
    assert result.exit_code == 1
    assert "Error: The model is infeasible. Contracts Cedar Retrofit, Neocloud MG, AI Lab NNN" \
        in result.output


def test_explain_on_a_feasible_workbook() -> None:
    result = CliRunner().invoke(cli, ["explain", str(ROOT / "sample_inputs" / "spot.xlsx")])
    assert result.exit_code == 0
    assert "a feasible plan exists" in result.output
