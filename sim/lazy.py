"""Modules loaded on first use, so that importing the model does not pay for them.

``kernels = lazy("sim.kernels")`` puts the module in ``sys.modules`` at once but runs it (for
``sim.kernels``: imports numba and loads the compiled loops, ≈ 0.3 s) only when one of its
names is first read; from then on it is the ordinary module object. ``ready(kernels)`` runs it
now, under a lock (the population calls it when a model is built, so that models built at once
in several threads, as the dashboard's sessions are, do not race to run it).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType

_LOCK = threading.Lock()
_READY: set[str] = set()


def lazy(name: str) -> ModuleType:
    """The module ``name``, run when first used (already imported: as it is)."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import would: ``import sim.kernels`` then reads ``sim.kernels``
        setattr(sys.modules[parent], child, module)
    return module


def ready(module: ModuleType) -> None:
    """Run ``module`` now if it has not run yet (once, whichever thread asks first)."""
    name = module.__name__
    if name in _READY:
        return
    with _LOCK:
        if name not in _READY:
            module.__dict__  # noqa: B018 (a lazy module runs on its first attribute read)
            _READY.add(name)
