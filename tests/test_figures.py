"""Figures a person reads: titles from the outcome labels, no offset text, the legend off the
data, schedule switches marked; and the labels table itself."""

from __future__ import annotations

import copy

import matplotlib
import pytest

matplotlib.use("Agg")

from sim import metrics, output  # noqa: E402
from sim.compare import DIMENSIONS, compare  # noqa: E402
from sim.run import run  # noqa: E402
from sim.scenario import load  # noqa: E402


@pytest.fixture(scope="module")
def switching(tmp_path_factory):
    """A small scenario whose buyers switch to contract after month 3."""
    path = tmp_path_factory.mktemp("figures") / "switch.toml"
    path.write_text(
        'name = "switch"\n[params]\nn_residents = 200\nsteps = 6\n'
        '[[schedule]]\nstep = 3\nregime = "contract"\n',
        encoding="utf-8",
    )
    return load(str(path))


@pytest.fixture(scope="module")
def results(switching):
    out = [run(switching, seed=s, label="as_written") for s in (1, 2)]
    out += [run(switching, seed=s, regime="contract") for s in (1, 2)]
    # outcomes that move by 1e-4 around 1000, or reach 1e7: matplotlib would write an offset
    # ("+1e3") or a multiplier ("1e7") above their axis
    flat = copy.deepcopy(out[0])
    flat.regime = "flat"
    n = len(flat.series["active_orgs"])
    flat.series["active_orgs"] = [1000 + 1e-4 * (i % 2) for i in range(n)]
    flat.series["qa_hours_per_10k_yuan"] = [12345678.0 + 1e-3 * i for i in range(n)]
    return [*out, flat]


def offsets(fig) -> list[str]:
    fig.draw_without_rendering()
    return [
        text
        for ax in fig.axes
        for text in (ax.xaxis.get_offset_text().get_text(), ax.yaxis.get_offset_text().get_text())
        if text
    ]


def test_outcome_figure_titles_are_labels_and_no_axis_has_offset_text(results, switching):
    fig = output.outcome_figure(results, "title", switching)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == len(output.FIGURE_OUTCOMES)
    for title, name in zip(titles, output.FIGURE_OUTCOMES, strict=True):
        o = metrics.BY_NAME[name]
        assert title.startswith(o.label) and name not in title
    assert offsets(fig) == []
    # the 1e-4 wiggle around 1000 is drawn flat, not as a cliff across the panel
    low, high = fig.axes[output.FIGURE_OUTCOMES.index("active_orgs")].get_ylim()
    assert high - low >= 0.1 * 1000
    for ax, name in zip(fig.axes, output.FIGURE_OUTCOMES, strict=True):
        if metrics.BY_NAME[name].bounds == (0.0, 1.0):  # shares on their whole range
            low, high = ax.get_ylim()
            assert low <= 0 and high >= 1, name


def test_the_legend_sits_off_every_panel(results, switching):
    fig = output.outcome_figure(results, "title", switching)
    fig.draw_without_rendering()
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    box = legend.get_window_extent()
    assert not [ax for ax in fig.axes if box.overlaps(ax.get_window_extent())]


def test_a_schedule_switch_is_a_vertical_line_in_every_panel(results, switching):
    fig = output.outcome_figure(results, "title", switching)
    x = switching.schedule[0]["step"] + 0.5
    for ax in fig.axes:
        vertical = [ln for ln in ax.lines if list(ln.get_xdata()) == [x, x]]
        assert vertical, ax.get_title()


def test_the_outcomes_the_case_summary_ranks_on_are_drawn():
    assert {outcome for outcome, _ in DIMENSIONS.values()} <= set(output.FIGURE_OUTCOMES)


def test_final_results_figure_titles_are_labels_without_offset_text(switching):
    comp = compare(switching, 2, seed=1, progress=False)
    rows = comp.table()
    fig = output.final_results_figure(rows, "final")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().rstrip(" ↑↓") for ax in shown] == [
        metrics.BY_NAME[n].label for n in metrics.HEADLINE
    ]
    assert offsets(fig) == []
    # one point per regime with a value, with its interval
    arms = list(dict.fromkeys(r["regime"] for r in rows))
    assert [t.get_text() for t in shown[0].get_yticklabels()] == [
        "as written" if a == "as_written" else a.replace("_", " ") for a in arms
    ]


def test_every_outcome_has_a_plain_label_and_a_direction():
    labels = [o.label for o in metrics.OUTCOMES]
    assert set(metrics.LABELS) == set(metrics.OUTCOME_NAMES)
    assert len(set(labels)) == len(labels)
    for o in metrics.OUTCOMES:
        assert o.label and o.label != o.name and "_" not in o.label, o.name
        assert o.better in ("higher", "lower", None), o.name
    for name, (_, higher) in DIMENSIONS.items():
        outcome = DIMENSIONS[name][0]
        assert metrics.BY_NAME[outcome].better == ("higher" if higher else "lower")


def test_analysis_figures_title_gpps_outcomes_by_label_without_offset_text(tmp_path, monkeypatch):
    import matplotlib.figure
    import pandas as pd

    from sim.experiments import analyze

    figures = []
    monkeypatch.setattr(
        matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: figures.append(fig)
    )
    table = pd.DataFrame(
        {
            "regime": ["administrative_dependence", "contract"],
            "outcome": ["qa_hours_per_10k_yuan"] * 2,
            "mean": [1000.0, 1000.0001],
            "ci_low": [999.99995, 1000.00005],
            "ci_high": [1000.00005, 1000.00015],
        }
    )
    analyze._comparison_figure(table, ["regime"], "regime", ["qa_hours_per_10k_yuan"], tmp_path)
    (fig,) = figures
    fig.canvas.draw()
    ax = fig.axes[0]
    label = metrics.BY_NAME["qa_hours_per_10k_yuan"].label
    assert ax.get_title() == label + " ↑" == output.title("qa_hours_per_10k_yuan")
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert output.title("a_sweep_models_own") == "a_sweep_models_own"
