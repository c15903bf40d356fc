"""``gpps sweep`` finds ``model = "mod:fn"`` in the current folder, as ``python -m`` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sim.experiments.store import Store

MODEL = """
def square(params, seed):
    return {"y": params["x"] ** 2, "seed": seed}
"""

SPEC = """
model = "{module}:square"
seed = 3
[factors]
x = [1.0, 2.0, 3.0]
"""


def gpps_script() -> Path:
    """The installed ``gpps`` console script: unlike ``python -c``, it does not put the current
    folder on ``sys.path`` by itself."""
    script = Path(sys.executable).with_name("gpps")
    assert script.exists(), f"{script} missing: install the project (pip install -e .)"
    return script


def test_gpps_sweep_imports_a_model_module_from_the_current_folder(tmp_path):
    module = "local_square_model"
    (tmp_path / f"{module}.py").write_text(MODEL)
    (tmp_path / "square.toml").write_text(SPEC.format(module=module))
    done = subprocess.run(
        [gpps_script(), "sweep", "square.toml", "--workers", "2", "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sweep square: 3/3 runs recorded")
    runs = Store(tmp_path / "results" / "square").read()
    assert runs.sort_values("x")["y"].tolist() == [1.0, 4.0, 9.0]


def test_a_module_that_is_nowhere_is_one_line_naming_it(tmp_path):
    (tmp_path / "square.toml").write_text(SPEC.format(module="no_such_model_module"))
    done = subprocess.run(
        [gpps_script(), "sweep", "square.toml", "--workers", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "cannot import module 'no_such_model_module'" in done.stderr
