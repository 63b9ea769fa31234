"""Installed miners that cannot all run on a site's grid power warn, site by site."""

from __future__ import annotations

from fleetkit import fleet, miners, site

from allocator.consistency import check_consistency


def test_installed_miners_over_the_grid_warn_at_their_own_site_only() -> None:
    """Site A holds two tranches of 20,000 x 3,000 W = 60 MW each: 120 MW x PUE of miners
    on 100 MW, a warning; site B's one 60 MW tranche fits its 100 MW, none; site C has no
    miners, none. The tranches of A are listed apart (B's between them) and still add up."""
    f = fleet(sites=[site("A", mining_pue=1.1), site("B", mining_pue=1.1), site("C")],
              miner_rows=[miners("A", units=20_000, power_w=3000.0),
                          miners("B", units=20_000, power_w=3000.0),
                          miners("A", model="Antminer S19 XP", units=20_000, power_w=3000.0,
                                 hashrate_th=140.0)])
    warned = [w for w in check_consistency(f).warnings if "some cannot run" in w]
    assert warned == ["Site A: installed miners need 132.0 grid MW but capacity_mw is 100.0; "
                      "some cannot run."]
