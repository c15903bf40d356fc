"""Vouchers (服务券): residents choose an accredited provider and pay it with the buyer's voucher.

Per lot, the buyer issues vouchers of a fixed monthly value to eligible residents with need, as
far as its budget goes (a random queue, drawn once); not every holder uses one
(``voucher_take_up``). Accreditation is the buyer's entry rule: organizations able to serve the
lot, with at least ``voucher_accreditation_skill``, whose cost an hour the voucher covers, apply
(paying a bid's staff time) and are accredited by the buyer for ``contract_term_months``: one
review covers every lot of that buyer it serves until the accreditation runs out. Holders choose
among accredited providers by their public rating (reputation) and closeness (a provider based
in the holder's community), as a multinomial logit. Every ``voucher_switch_months`` each holder
compares its own opinion of its provider with one alternative: a neighbour's provider as that
neighbour judges it (word of mouth), or a random accredited provider's rating, and switches if
the alternative is better by ``voucher_switch_margin``. A resident's view of providers other
than its own thus comes from ratings and neighbours, with no resident × provider matrix.
Providers are paid per voucher redeemed, pro rata to the hours of the month delivered;
monitoring, strikes and termination are those of every regime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..payment import PaymentRule
from .base import Regime, register


@dataclass(frozen=True)
class PerVoucher(PaymentRule):
    """The voucher's value for each holder served, a month; a month served in part redeems its
    voucher in part. Penalties may withhold part of it."""

    value: float
    withholdable = True

    def due(self, arr, hours: float) -> float:
        vouchers = len(arr.members) if arr.members is not None else 0
        return self.value * vouchers * min(hours / arr.units, 1.0) if arr.units > 0 else 0.0


@dataclass
class _Lot:
    """A lot's vouchers: holders (resident indices), the provider each chose (id, -1: none),
    the voucher's value, the hourly price it stands for, and the accreditation round."""

    issued: int
    holders: np.ndarray
    need: np.ndarray  # each holder's eligible need on the line (hours a month)
    choice: np.ndarray
    value: float
    price: float
    accredited: list
    start: int = 0
    end: int = 0


@register
class Vouchers(Regime):
    name = "vouchers"
    label = "Vouchers (服务券)"

    def __init__(self, market):
        super().__init__(market)
        self._lots: dict[int, _Lot] = {}
        self._accredited_until: dict[tuple[str, int], int] = {}  # (buyer, provider) -> month

    # -- a new accreditation round ------------------------------------------------------------
    def procure(self, buyer, lots):
        market = self.market
        p = buyer.params
        term = p["contract_term_months"]
        for lot in lots:
            st = self._lots.get(lot.id) or self._issue(buyer, lot)
            st.accredited = self._accredit(buyer, lot, st.price)
            st.start, st.end = market.month, market.month + term
            if not st.accredited:
                market.log.award(None, buyer, lot, None, self, 0.0, 0.0, term, 0)
                market.no_provider(lot, 0)
                continue
            ids = np.array([o.provider_id for o in st.accredited])
            lost = ~np.isin(st.choice, ids)
            self._choose(lot, st, np.flatnonzero(lost))
            for org, arr in self._serve(buyer, lot, st):
                market.log.award(
                    None, buyer, lot, org, self, st.price, arr.units, term, len(st.accredited)
                )
            self._record(buyer, lot, st)
            market.maybe_enter(lot, len(st.accredited))
        yield from ()

    def _issue(self, buyer, lot) -> _Lot:
        """Vouchers for the lot's eligible residents with need, up to the budget; take-up."""
        market, p = self.market, buyer.params
        pop, line = market.population, lot.line
        res = lot.residents
        need = pop.need[res, line] * pop.eligible[res, line]
        entitled = res[need > 0]
        queue = entitled[market.rng.permutation(len(entitled))]
        estimate = p["staff_wage"] * (1 + p["overhead_rate"]) / p["units_per_post"]
        price = estimate * (1 + p["voucher_markup"])
        mean_need = float(need[need > 0].mean()) if len(entitled) else 0.0
        value = price * mean_need
        cap = int(buyer.lot_budget(lot) // value) if value > 0 else 0
        issued = np.sort(queue[:cap])
        uses = market.rng.random(len(issued)) < p["voucher_take_up"]
        holders = issued[uses]
        st = _Lot(
            issued=len(issued),
            holders=holders,
            need=pop.need[holders, line] * pop.eligible[holders, line],
            choice=np.full(len(holders), -1, dtype=np.int64),
            value=value,
            price=price,
            accredited=[],
        )
        self._lots[lot.id] = st
        return st

    def _accredit(self, buyer, lot, price: float) -> list:
        """Organizations that meet the standard and whose cost the voucher covers; those the
        buyer has not accredited, or whose accreditation ran out, apply and are reviewed."""
        market, p = self.market, buyer.params
        applicants = [
            o
            for o in self.eligible(buyer, lot)
            if o.skill >= p["voucher_accreditation_skill"] and o.unit_cost() < price
        ]
        until = market.month + p["contract_term_months"]
        reviewed = 0
        for org in applicants:
            key = (buyer.name, org.provider_id)
            if self._accredited_until.get(key, -1) > market.month:
                continue
            market.charge_bid(org)
            self._accredited_until[key] = until
            reviewed += 1
        buyer.governance("vouchers:accreditation", p["bid_review_staff_days"] * reviewed)
        return applicants

    # -- each month ---------------------------------------------------------------------------
    def manage(self, buyer, lots) -> None:
        """Holders of providers no longer available choose again; at each switching
        opportunity every holder may switch; take-up is reported."""
        market = self.market
        for lot in lots:
            st = self._lots.get(lot.id)
            if st is None or not any(a.regime is self for a in lot.arrangements):
                continue
            available = [o for o in st.accredited if o.active and o not in lot.excluded]
            st.accredited = available
            ids = np.array([o.provider_id for o in available], dtype=np.int64)
            changed = False
            lost = np.flatnonzero(~np.isin(st.choice, ids))
            if len(lost):
                self._choose(lot, st, lost)
                changed = True
            since = market.month - st.start
            every = buyer.params["voucher_switch_months"]
            if len(available) > 1 and since > 0 and since % every == 0:
                changed |= self._switch(buyer, lot, st) > 0
            if changed:
                self._serve(buyer, lot, st)
                self._record(buyer, lot, st)
            served = [len(a.members) for a in lot.arrangements if a.regime is self]
            market.log.entitlement(st.issued, sum(served))

    def _rating(self, lot, orgs) -> np.ndarray:
        """What holders see of each provider: its reputation, plus their preference for one
        based in their own community."""
        local = [o.communities is not None and lot.community in o.communities for o in orgs]
        bonus = lot.buyer.params["voucher_local_preference"] * np.array(local, dtype=float)
        return np.array([o.reputation for o in orgs]) + bonus

    def _choose(self, lot, st: _Lot, who: np.ndarray) -> None:
        """Holders ``who`` (positions) choose among the accredited providers (logit)."""
        orgs = st.accredited
        u = self.market.rng.random(len(who))
        if not orgs:
            st.choice[who] = -1
            return
        rating = self._rating(lot, orgs)
        w = np.exp(lot.buyer.params["voucher_choice_sensitivity"] * (rating - rating.max()))
        cdf = np.cumsum(w) / w.sum()
        pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(orgs) - 1)
        st.choice[who] = np.array([o.provider_id for o in orgs])[pick]

    def _switch(self, buyer, lot, st: _Lot) -> int:
        """One switching opportunity for every holder; returns how many switched."""
        market, p = self.market, buyer.params
        pop, line, rng = market.population, lot.line, market.rng
        holders, k = st.holders, len(st.holders)
        orgs = st.accredited
        ids = np.array([o.provider_id for o in orgs], dtype=np.int64)
        rating = self._rating(lot, orgs)
        lut = np.full(int(ids.max()) + 2, np.nan)  # provider id -> rating; last: none
        lut[ids] = rating
        local = np.zeros_like(lut)
        local[ids] = rating - np.array([o.reputation for o in orgs])
        # word of mouth: a random neighbour's provider on this line, as the neighbour judges it
        net = pop.network
        degree = net.indptr[holders + 1] - net.indptr[holders]
        heard = rng.random(k) < p["voucher_word_of_mouth"]
        pick = net.indptr[holders] + np.floor(rng.random(k) * degree).astype(np.int64)
        neighbour = net.dst[np.where(degree > 0, pick, 0)] if len(net.dst) else np.zeros(k, int)
        their = pop.provider[neighbour, line]
        heard &= (degree > 0) & np.isin(their, ids) & (their != st.choice)
        # otherwise: a random accredited provider's public rating
        rated = ids[rng.integers(len(ids), size=k)]
        alternative = np.where(heard, their, rated)
        value = np.where(heard, pop.opinion[neighbour, line], lut[rated])
        value = value + np.where(heard, local[np.where(heard, their, -1)], 0.0)
        own = pop.opinion[holders, line] + local[np.where(st.choice >= 0, st.choice, -1)]
        switch = (alternative != st.choice) & (value > own + p["voucher_switch_margin"])
        st.choice = np.where(switch, alternative, st.choice)
        n = int(switch.sum())
        market.log.switches(n)
        return n

    # -- arrangements follow the choices ------------------------------------------------------
    def _serve(self, buyer, lot, st: _Lot) -> list[tuple]:
        """Each accredited provider serves the holders who chose it, to the round's end:
        first every provider loses those who left, then gains those who came."""
        market = self.market
        current = {a.provider: a for a in lot.arrangements if a.regime is self}
        wanted = {}
        for org in st.accredited:
            mine = st.choice == org.provider_id
            wanted[org] = (st.holders[mine], float(st.need[mine].sum()))
        for org, arr in list(current.items()):
            users, _ = wanted.get(org, (st.holders[:0], 0.0))
            kept = np.intersect1d(arr.members, users, assume_unique=True)
            if len(kept):
                market.set_users(arr, kept, float(st.need[np.isin(st.holders, kept)].sum()))
            else:
                market.set_users(arr, kept, 0.0)
                market.end(arr, "unchosen")
                del current[org]
        out = []
        for org, (users, units) in wanted.items():
            if not len(users):
                continue
            arr = current.get(org)
            if arr is None:
                arr = market.arrange(
                    self,
                    buyer,
                    lot,
                    org,
                    st.end - market.month,
                    PerVoucher(st.value),
                    units,
                    users=users,
                    promised_quality=org.skill,
                )
            elif len(users) != len(arr.members):
                market.set_users(arr, users, units)
            out.append((org, arr))
        return out

    def _record(self, buyer, lot, st: _Lot) -> None:
        """The choices table: each provider's holders and hours after a round of choice."""
        for arr in lot.arrangements:
            if arr.regime is self:
                self.market.log.choice(buyer, lot, arr.provider, len(arr.members), arr.units)
