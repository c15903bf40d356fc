"""Residents: Mesa agents that read and expose their own row of the model's arrays."""

from __future__ import annotations

import mesa


class Resident(mesa.Agent):
    """A resident agent standing for ``population / n_residents`` persons."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _pop(self):
        return self.model.population

    @property
    def community(self) -> int:
        return int(self._pop.community[self.index])

    @property
    def migrant(self) -> bool:
        return bool(self._pop.migrant[self.index])

    @property
    def need(self):
        return self._pop.need[self.index]

    @property
    def received(self):
        return self._pop.received[self.index]

    @property
    def satisfaction(self) -> float:
        return float(self._pop.satisfaction[self.index])

    @property
    def expectation(self) -> float:
        return float(self._pop.expectation[self.index])

    @property
    def opinion(self):
        return self._pop.opinion[self.index]

    @property
    def complained(self):
        return self._pop.complained[self.index]

    def neighbours(self):
        return self._pop.network.neighbours(self.index)
