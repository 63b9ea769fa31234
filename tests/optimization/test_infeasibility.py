"""Infeasibility in plain words (IIS translated back to sites, months, contracts) and the
elastic mode's fixes, each checked by re-solving with it applied and worded as what it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fleetkit import contract, fleet, miners, site, verified

from allocator import optimize, read_workbook
from allocator.cli.main import cli
from allocator.errors import InfeasibleError
from allocator.optimization.fixes import apply_fixes, is_feasible
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
    assert ('Contracts "Lease-A", "Lease-B" need 50 MW at sites Delta, Kappa from 2026-07, but '
            "at most 45.0 MW can be converted and online there in time.") in text
    assert 'Contract "Lease-B" is firm: at least 40 MW from 2026-07' in text
    assert 'At most 20 MW can be converted at site "Delta".' in text
    assert err.value.explanation is not None
    assert any(n.startswith("contract_delivery__") or n.startswith("commit__")
               for n in err.value.explanation.constraints)


@pytest.mark.slow
def test_relax_gives_changes_that_work_each_on_its_own() -> None:
    """Either contract may give the 5 MW, or either site grow: each single change is checked
    by a re-solve, and none of them is offered as needed together with another."""
    relaxation = relax(TWO_FIRM)
    assert relaxation.together == ()
    assert [f.text for f in relaxation.any_one] == [
        'Lower the firm minimum of contract "Lease-A" by 5.0 MW, to 5.0 MW.',
        'Lower the firm minimum of contract "Lease-B" by 5.0 MW, to 35.0 MW.',
        'Raise the convertible space of site "Delta" by 5.0 MW, to 25.0 MW.',
        'Raise the convertible space of site "Kappa" by 5.0 MW, to 20.0 MW.',
        'Make contract "Lease-A" not firm.',
        'Make contract "Lease-B" not firm.']
    for fix in relaxation.any_one:
        verified(apply_fixes(TWO_FIRM, [fix]))
    fixed = TWO_FIRM.model_copy(update={"contracts": (
        TWO_FIRM.contracts[0].model_copy(update={"min_mw": 5.0}), TWO_FIRM.contracts[1])})
    assert verified(fixed).contracts["committed_mw"].sum() == pytest.approx(45.0)


def test_changes_needed_together_are_given_together() -> None:
    """Two firm leases, each on its own site and 2 MW over it: both must give, and no single
    change is enough, so there is no 'any one' list (nor an 'or' that reads as a choice)."""
    f = fleet(sites=[site("A", hpc_existing_mw=10), site("B", hpc_existing_mw=10)],
              contracts=[contract("K1", min_mw=12, firm=True, sites=("A",)),
                         contract("K2", min_mw=12, firm=True, sites=("B",))])
    relaxation = relax(f)
    assert [fix.text for fix in relaxation.together] == [
        'Lower the firm minimum of contract "K1" by 2.0 MW, to 10.0 MW.',
        'Lower the firm minimum of contract "K2" by 2.0 MW, to 10.0 MW.']
    assert relaxation.any_one == ()
    assert str(relaxation).splitlines()[1:2] == ["All of these are needed together:"]
    assert " or " not in str(relaxation)
    assert verified(apply_fixes(f, relaxation.together)).contracts["committed_mw"].sum() == 20
    for fix in relaxation.together:  # either one alone is not enough
        assert not is_feasible(apply_fixes(f, [fix]))


@pytest.mark.slow
def test_a_near_miss_states_no_false_shortfall() -> None:
    """AI Lab NNN at 138 MW: the three firm minimums (243 MW) fit the 244 MW that can be
    online, so the conflict is in when and where, and no 'need 243 MW, but at most 244 MW'
    headline is given; the conflicting requirements and the checked fixes are."""
    f = read_workbook(ROOT / "sample_inputs" / "infeasible.xlsx").fleet
    f = f.model_copy(update={"contracts": tuple(
        c.model_copy(update={"min_mw": 138.0}) if c.name == "AI Lab NNN" else c
        for c in f.contracts)})
    explanation = explain_infeasibility(f)
    assert explanation is not None
    assert explanation.summary == "No plan meets every constraint."
    assert 'Contract "AI Lab NNN" is firm: at least 138 MW' in str(explanation)
    relaxation = relax(f)
    assert relaxation.together == ()
    assert relaxation.any_one[0].text == (
        'Lower the firm minimum of contract "Cedar Retrofit" by 2.0 MW, to 23.0 MW.')


def test_hashrate_policy_against_a_firm_lease() -> None:
    """A 30 MW mining floor and a firm 20 MW lease on a 40 MW site cannot both hold."""
    f = fleet(sites=[site(capacity_mw=40, hpc_existing_mw=20)], miner_rows=[miners()],
              contracts=[contract(min_mw=20, firm=True, power_pass_through=True)],
              min_fleet_hashrate_ehs=30 / 13.5)
    explanation = explain_infeasibility(f)
    assert explanation is not None
    text = str(explanation)
    assert "min_fleet_hashrate_ehs asks for 2.22222 EH/s in 2026-01" in text
    assert 'Site "A" has 40 MW of grid power in 2026-01' in text
    assert [fix.text for fix in relax(f).any_one] == [
        "Lower setting min_fleet_hashrate_ehs by 0.741 EH/s, to 1.481 EH/s.",
        'Raise the grid capacity of site "A" by 10.0 MW, to 50.0 MW.']


def test_feasible_fleet_has_nothing_to_explain() -> None:
    assert explain_infeasibility(fleet(sites=[site(hpc_existing_mw=10)],
                                       contracts=[contract()])) is None
    assert relax(fleet()).feasible and not relax(fleet())
    assert str(relax(fleet())) == "No change is needed: the plan is feasible."


@pytest.mark.slow
def test_sample_infeasible_workbook_explained_by_the_cli() -> None:
    book = ROOT / "sample_inputs" / "infeasible.xlsx"
    assert CliRunner().invoke(cli, ["validate", str(book)]).exit_code == 0
    result = CliRunner().invoke(cli, ["explain", str(book), "--relax"])
    assert result.exit_code == 1
    out = result.output
    for words in ('"Neocloud MG" (Contracts!D3)', '"AI Lab NNN" (Contracts!D4)',
                  '"Cedar Retrofit" (Contracts!D2)', "2027-07",
                  "max_conversion_mw_per_year (Settings!B11)", "Delta Basin"):
        assert words in out, words
    assert out.split("Each fix below makes a plan feasible")[1].splitlines()[1:4] == [
        "All of these are needed together:",
        '  - Lower the firm minimum of contract "Cedar Retrofit" (Contracts!D2) by 5.0 MW, to '
        "20.0 MW.",
        '  - Lower the firm minimum of contract "Neocloud MG" (Contracts!D3) by 6.0 MW, to '
        "74.0 MW."]
    result = CliRunner().invoke(cli, ["optimize", str(book), "--no-write"])
    assert result.exit_code == 1
    assert ('Error: The model is infeasible. Contracts "Cedar Retrofit" (Contracts!D2), '
            '"Neocloud MG" (Contracts!D3), "AI Lab NNN" (Contracts!D4) need 255 MW') \
        in result.output


def test_explain_on_a_feasible_workbook() -> None:
    result = CliRunner().invoke(cli, ["explain", str(ROOT / "sample_inputs" / "spot.xlsx")])
    assert result.exit_code == 0
    assert "a feasible plan exists" in result.output
