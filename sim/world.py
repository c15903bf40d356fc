"""Building a run's world: buyers, the initial organizations and the lots (ODD element 5).

The initial organizations come from the ``organizations`` stream, common to every regime.
"""

from __future__ import annotations

import numpy as np

from .agents import GovernmentBuyer
from .arrangements import Lot
from .rng import stream


def build(model) -> None:
    """Buyers (with their in-house units), organizations and lots of ``model``'s scenario."""
    model.buyers = buyers(model)
    organizations(model)
    model.market.lots = lots(model.buyers, model.population)


def buyers(model) -> list[GovernmentBuyer]:
    out = []
    names = [ln["name"] for ln in model.lines]
    for spec in model.scenario.buyers:
        params = {**model.params, **spec}
        lines = [names.index(n) for n in spec["service_lines"]]
        buyer = GovernmentBuyer(model, spec["name"], params, lines, spec["communities"])
        model.ledger.register(buyer.account, buyer)
        model.ledger.register(buyer.in_house.account, buyer.in_house)
        model.market.add_provider(buyer.in_house)
        out.append(buyer)
    return out


def organizations(model) -> None:
    """The scenario's named organizations, each buyer's affiliates, the independents."""
    p = model.params
    market = model.market
    rng = stream(model.seed, "organizations")
    names = [ln["name"] for ln in model.lines]
    line_need = model.population.need.sum(axis=0)
    for spec in model.scenario.organizations:
        market.new_organization(
            spec["name"],
            spec["origin"],
            {names.index(n) for n in spec["service_lines"]},
            spec["skill"],
            spec["mission"],
            1.0,
            spec["capacity_share"],
            spec["initial_reserve_months"],
            founded_by=spec["founded_by"],
            ties=set(spec["ties"]),
            communities=spec["communities"],
        )
    named_founders = {o["founded_by"] for o in model.scenario.organizations}
    for buyer in model.buyers:
        if buyer.name in named_founders:
            continue
        for k in range(p["founded_per_buyer"]):
            skill, mission, cost = market.draw_traits(rng)
            share = (
                p["capacity_share"]
                * max(line_need[buyer.lines].sum(), 1e-9)
                / max(line_need.max(), 1e-9)
            )
            market.new_organization(
                f"{buyer.name}_affiliate_{k + 1}",
                "founded",
                set(buyer.lines),
                skill,
                mission,
                cost,
                share,
                p["initial_reserve_months"],
                founded_by=buyer.name,
            )
    n_lines = len(model.lines)
    n_comm = p["n_communities"]
    for k in range(p["n_independent_orgs"]):
        skill, mission, cost = market.draw_traits(rng)
        origin = "external" if rng.random() < p["external_share"] else "grassroots"
        covers = rng.random(n_lines) < p["line_coverage"]
        covers[rng.integers(n_lines)] = True
        where = rng.random(n_comm) < p["community_coverage"]
        where[rng.integers(n_comm)] = True
        tied = rng.random() < p["tied_share"]
        buyer = model.buyers[int(rng.integers(len(model.buyers)))].name
        market.new_organization(
            f"org_{k + 1}",
            origin,
            set(np.flatnonzero(covers).tolist()),
            skill,
            mission,
            cost,
            p["capacity_share"],
            p["initial_reserve_months"],
            ties={buyer} if tied else None,
            communities=None if where.all() else set(np.flatnonzero(where).tolist()),
        )


def lots(buyers, population) -> list[Lot]:
    """One lot per buyer, service line and community it serves, in that order."""
    out: list[Lot] = []
    comm = population.community
    for buyer in buyers:
        for line in buyer.lines:
            for c in buyer.communities:
                residents = np.flatnonzero(comm == c)
                need = population.need[residents, line]
                elig = population.eligible[residents, line]
                lot = Lot(len(out), buyer, line, c, residents, need=float((need * elig).sum()))
                buyer.lots.append(lot)
                out.append(lot)
    return out
