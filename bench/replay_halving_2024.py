"""Replay of the April 2024 halving through ``network_model marginal_cost`` (docs/model.md).

Run:  python bench/replay_halving_2024.py

The network stood at its record, about 655 EH/s, on the halving day (19-20 April 2024). Two
weeks later a PH/s earned $50 a day with about 600 EH/s running. The same block rewards
shared by the 655 EH/s that ran before the halving would have paid 50 x 600 / 655 =
$45.8/PH/day: the month's hashprice had the network not reacted, the model's projection.
The script asks :func:`allocator.market.network_reaction` how much of that network covers
its power cost, for the default table and for an older fleet, at several power prices, and
prints it next to what happened. Figures of what happened are the reports quoted in
docs/model.md. Not a test; nothing asserts.
"""

from __future__ import annotations

from allocator.domain import DEFAULT_NETWORK_FLEET, NetworkBand
from allocator.market import NetworkFleetModel, network_reaction

PEAK_EHS = 655.0  # record on the halving day, 19 April 2024
MAY_5_HASHPRICE_USD_PH_DAY = 50.0  # two weeks after the halving
MAY_5_EHS = 600.0  # running then
PROJECTED_HASHPRICE_USD_PH_DAY = MAY_5_HASHPRICE_USD_PH_DAY * MAY_5_EHS / PEAK_EHS
OLDER_FLEET = (  # an assumption: 2024's network before the S21 generation had spread
    NetworkBand(efficiency_j_th=17.5, share=0.15),
    NetworkBand(efficiency_j_th=21.5, share=0.25),
    NetworkBand(efficiency_j_th=29.5, share=0.35),
    NetworkBand(efficiency_j_th=38.0, share=0.25),
)
TABLES = (("default table", DEFAULT_NETWORK_FLEET), ("older fleet", OLDER_FLEET))
POWER_PRICES_USD_MWH = (40.0, 50.0, 55.0, 60.0)


def main() -> None:
    """Print the model's running hashrate and hashprice after the halving, table by table."""
    print(f"projected: {PEAK_EHS:.0f} EH/s at ${PROJECTED_HASHPRICE_USD_PH_DAY:.1f}/PH/day "
          f"(${MAY_5_HASHPRICE_USD_PH_DAY:.0f} x {MAY_5_EHS:.0f} / {PEAK_EHS:.0f})")
    print("happened:  about 600 EH/s and $50/PH/day on 5 May 2024, 575 EH/s on 10 May "
          "(-12 %), difficulty -5.62 %;\n"
          "           record 677 EH/s (7-day) on 25 July 2024 at $50.27/PH/day")
    print(f"{'table':<26} {'$/MWh':>6} {'running':>8} {'EH/s':>6} {'$/PH/day':>9} "
          f"{'marginal J/TH':>14}")
    for name, bands in TABLES:
        mean = sum(b.share * b.efficiency_j_th for b in bands)
        label = f"{name} ({mean:.1f} J/TH)"
        for price in POWER_PRICES_USD_MWH:
            got = network_reaction(PROJECTED_HASHPRICE_USD_PH_DAY,
                                   NetworkFleetModel(bands, price))
            print(f"{label:<26} {price:>6.0f} {100 * got.running_share:>7.1f}% "
                  f"{PEAK_EHS * got.running_share:>6.0f} {got.hashprice_usd_ph_day:>9.2f} "
                  f"{got.marginal_j_th:>14g}")


if __name__ == "__main__":
    main()
