"""Purchase regimes as interchangeable strategies, looked up by name."""

from . import administrative, contract, grant, in_house, negotiated  # noqa: F401  (register)
from .base import REGIMES, Regime, register

__all__ = ["REGIMES", "Regime", "register"]
