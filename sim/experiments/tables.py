"""Small helpers shared by the analysis sections: group labels, Markdown tables, pyplot."""

from __future__ import annotations

import numpy as np
import pandas as pd


def group_label(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``regime=contract, evaluation=none`` per row (``all`` when nothing is swept)."""
    if not keys:
        return pd.Series("all", index=df.index)
    if len(keys) == 1:
        return df[keys[0]].astype(str)
    return df[keys].astype(str).apply(lambda r: ", ".join(f"{k}={v}" for k, v in r.items()), axis=1)


def markdown_table(df: pd.DataFrame, digits: int = 4) -> str:
    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "n/a" if np.isnan(v) else f"{v:.{digits}g}"
        return str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
