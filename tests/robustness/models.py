"""Models that return something else than the documented shape (a mapping of numbers, or a
tuple ``(finals, series)``), for the sweep's first-result check."""

from __future__ import annotations


def a_list(params: dict, seed: int):
    return [1.0, 2.0]


def text(params: dict, seed: int):
    return "y=1"


def nothing(params: dict, seed: int):
    return None


def words(params: dict, seed: int):
    return {"y": "high"}


def triple(params: dict, seed: int):
    return {"y": 1.0}, {}, {}


def series_not_a_mapping(params: dict, seed: int):
    return {"y": 1.0}, [1.0, 2.0]


def series_of_a_number(params: dict, seed: int):
    return {"y": 1.0}, {"s": 5.0}


def series_of_words(params: dict, seed: int):
    return {"y": 1.0}, {"s": ["a", "b"]}


def fine(params: dict, seed: int):
    return {"y": float(params.get("x", 0.0)) + seed % 7}
