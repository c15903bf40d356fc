"""Purchase regimes as interchangeable strategies, looked up by name.

Every module of this package is imported here, so a regime is added by a new file that
registers its class (``@register``); nothing else needs to change.
"""

import importlib
import pkgutil

from .base import REGIMES, Regime, register

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "base":
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["REGIMES", "Regime", "register"]
