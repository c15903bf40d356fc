"""docs/ODD.md agrees with the code: generated tables, process names, the seven elements."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

import pytest

from sim import odd
from sim.agents import GovernmentBuyer, InHouseUnit, Resident, SocialOrganization
from sim.agents.producer import Producer
from sim.events import EventLog
from sim.ledger import Ledger
from sim.market import Market
from sim.model import GppsModel
from sim.population import Population
from sim.regimes import REGIMES, Regime

DOC = odd.ROOT / "docs" / "ODD.md"
ELEMENTS = [
    "1. Purpose and patterns",
    "2. Entities, state variables and scales",
    "3. Process overview and scheduling",
    "4. Design concepts",
    "5. Initialization",
    "6. Input data",
    "7. Submodels",
]
#: Classes a process line may name (``Class.method``).
OWNERS = {
    cls.__name__: cls
    for cls in (
        GppsModel,
        GovernmentBuyer,
        SocialOrganization,
        InHouseUnit,
        Resident,
        Producer,
        Population,
        Ledger,
        Market,
        EventLog,
        Regime,
        *(c for c in REGIMES.values() if c.__module__.startswith("sim.")),
    )
}
#: How ``_month`` names the objects whose methods it calls.
RECEIVERS = {"self": "GppsModel", "buyer": "GovernmentBuyer", "self.market": "Market"}
REFRESH = "run `python -m sim.odd` to refresh docs/ODD.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def schedule(doc: str) -> list[tuple[int, str, str]]:
    """(depth, class, method) of every line of the ```schedule block of element 3."""
    blocks = re.findall(r"^```schedule\n(.*?)^```", doc, flags=re.M | re.S)
    assert len(blocks) == 1, "element 3 needs exactly one ```schedule block"
    out = []
    for line in blocks[0].splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"odd indentation: {line!r}"
        name = line.split()[0]
        m = re.fullmatch(r"(\w+)\.(\w+)", name)
        assert m, f"not a Class.method process name: {line!r}"
        out.append((indent // 2, m.group(1), m.group(2)))
    return out


def month_calls() -> list[tuple[str, str]]:
    """(class, method) of the calls in ``GppsModel._month``, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(GppsModel._month)))
    calls = []

    class Visitor(ast.NodeVisitor):
        def visit_Call(self, node):
            f = node.func
            if isinstance(f, ast.Attribute) and not isinstance(f.value, ast.Call):
                receiver = ast.unparse(f.value)
                calls.append((RECEIVERS.get(receiver, receiver), f.attr))
            self.generic_visit(node)

    Visitor().visit(tree)
    return calls


def test_odd_has_all_seven_elements(doc):
    headings = [h.strip() for h in re.findall(r"^##\s+(.+)$", doc, flags=re.M)]
    for element in ELEMENTS:
        assert element in headings, f"missing ODD element heading '## {element}'"
    positions = [headings.index(e) for e in ELEMENTS]
    assert positions == sorted(positions), "ODD elements out of order"


def test_parameter_table_matches_params(doc):
    assert odd.section(doc, "params") == odd.parameter_table(), REFRESH


def test_outcome_table_matches_outcomes(doc):
    assert odd.section(doc, "outcomes") == odd.outcome_table(), REFRESH


@pytest.mark.parametrize("name", sorted(set(odd.TABLES) - {"params", "outcomes"}))
def test_other_generated_tables_are_current(doc, name):
    assert odd.section(doc, name) == odd.TABLES[name](), REFRESH


def test_refresh_is_idempotent(doc):
    once = odd.refresh(doc)
    assert odd.refresh(once) == once


def test_every_process_name_is_a_method_of_the_class_named(doc):
    for _, owner, method in schedule(doc):
        assert owner in OWNERS, f"{owner}.{method}: {owner} is not a model class"
        assert callable(getattr(OWNERS[owner], method, None)), (
            f"{owner}.{method} is not a method of {owner}"
        )


def test_schedule_lists_the_phases_of_month_in_code_order(doc):
    phases = [(owner, method) for depth, owner, method in schedule(doc) if depth == 1]
    assert phases == month_calls(), "element 3 must list GppsModel._month's calls in order"


def test_every_parameter_and_outcome_appears_once_in_its_table(doc):
    from sim.metrics import OUTCOMES
    from sim.params import PARAMS

    params = odd.section(doc, "params")
    outcomes = odd.section(doc, "outcomes")
    for name in PARAMS:
        assert params.count(f"| `{name}` |") == 1, name
    for o in OUTCOMES:
        assert outcomes.count(f"| `{o.name}` |") == 1, o.name


def test_the_readme_layout_names_every_module_and_package_of_sim():
    readme = (odd.ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    sim = odd.ROOT / "sim"
    names = [p.name for p in sim.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    names += [f"{p.name}/" for p in sim.iterdir() if (p / "__init__.py").is_file()]
    missing = [n for n in names if n not in layout]
    assert not missing, f"README's layout does not name {missing}"


@pytest.mark.parametrize(
    "path",
    sorted((odd.ROOT / "docs").glob("*.md")) + [odd.ROOT / "README.md"],
    ids=lambda p: p.name,
)
def test_documents_hold_no_control_characters(path):
    """A formula written through an ordinary string loses its backslashes (``\\t`` of
    ``\\times`` becomes a tab, ``\\b`` of ``\\bar`` a backspace): none may be left."""
    text = path.read_text(encoding="utf-8")
    bad = [
        (number, repr(ch))
        for number, line in enumerate(text.split("\n"), 1)
        for ch in line
        if ord(ch) < 32 or ord(ch) == 127
    ]
    assert not bad, f"{path.name}: control characters at lines {bad[:5]}"
