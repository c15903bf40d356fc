"""The gpps workshop dashboard (Solara): ``gpps dashboard [SCENARIO] [--port P] [--host H]``.

Layers, each testable on its own:

- ``i18n``: every label in English and Chinese, using the study's terms;
- ``controls``: input widgets derived from ``sim.params.PARAMS`` and their validation;
- ``session``: one browser session's model (run, step, reset), play-the-buyer and compare;
- ``plots`` and ``tables``: matplotlib figures (PNG bytes) and pandas tables from a model;
- ``app``: the Solara page; ``server`` and ``commands``: starting it.

Only ``app`` and ``server`` import Solara, so the rest runs without the ``dashboard`` extra.
"""
