"""A real Dask cluster on loopback: a scheduler and worker processes started with the dask CLI.

The recipe of docs/cluster.md runs as written (a free port and a small spec in place of the
documented ones); a worker without the model module, a worker without gpps and a cluster that
loses every worker each end the sweep with one line naming what is wrong.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.executors import worker_mismatch
from sim.experiments.runner import run_sweep
from sim.experiments.spec import load
from sim.experiments.store import Store

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

SPEC = """
model = "sim.experiments.testfunctions:linear"
seed = 5
replications = 2
design = { method = "latin", samples = 10 }
[factors]
noise = 0.5
x1 = { low = 0.0, high = 1.0 }
x2 = { low = -1.0, high = 1.0 }
"""

SLOW = """
model = "sim.experiments.testfunctions:slow"
seed = 2
[factors]
sleep = 0.3
x = [{xs}]
"""

LOCAL_MODEL = """
def cube(params, seed):
    return {"y": params["x"] ** 3}
"""

NAP_MODEL = """
import time


def nap(params, seed):
    time.sleep(0.2)
    return {"y": params["x"]}
"""

HIDE_GPPS = """
import sys


class HideGpps:
    def find_spec(self, name, path=None, target=None):
        if name == "sim" or name.startswith("sim."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, HideGpps())
for name in [m for m in sys.modules if m == "sim" or m.startswith("sim.")]:
    del sys.modules[name]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(**extra: str) -> dict[str, str]:
    """This interpreter's environment, its bin folder first (``dask``, ``gpps``), no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


@contextmanager
def started(command: str, cwd: Path, log: Path, env: dict | None = None):
    """Start a long-running command in its own process group; end that group afterwards."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            shlex.split(command),
            cwd=cwd,
            env=env or environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group (worker processes)
    except ProcessLookupError:
        pass
    proc.wait()


def workers_up(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.wait_for_workers(n, timeout=180)


def run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def table(path: Path) -> pd.DataFrame:
    return Store(path).read("runs").drop(columns=["elapsed_s"])


def recipe() -> list[str]:
    """The commands of docs/cluster.md's scheduler-and-workers recipe."""
    text = (ROOT / "docs" / "cluster.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- run by tests/experiments/test_sweep_cluster.py -->\s*```bash\n(.*?)```", text, re.S
    )
    assert block, "docs/cluster.md lost its tested recipe"
    lines = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_the_docs_recipe_runs_a_sweep_on_a_scheduler_and_two_workers(tmp_path):
    commands = recipe()
    assert [c.split()[:2] for c in commands] == [
        ["dask", "scheduler"],
        ["dask", "worker"],
        ["gpps", "sweep"],
    ]
    assert commands[0].endswith("&") and commands[1].endswith("&")
    port = free_port()
    spec = tmp_path / "exp.toml"
    spec.write_text(SPEC)
    run_sweep(load(spec), tmp_path / "serial", workers=1, progress=False)

    def adapt(command: str) -> str:
        command = command.rstrip("&").strip().replace("8786", str(port))
        return re.sub(r"experiments/\S+\.toml", str(spec), command)

    with ExitStack() as stack:
        stack.enter_context(started(adapt(commands[0]), tmp_path, tmp_path / "scheduler.log"))
        stack.enter_context(started(adapt(commands[1]), tmp_path, tmp_path / "workers.log"))
        workers_up(f"tcp://127.0.0.1:{port}", 2)
        done = run(shlex.split(adapt(commands[2])) + ["--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sweep exp: 20/20 runs recorded")
    out = tmp_path / "results" / "exp"
    pd.testing.assert_frame_equal(table(out), table(tmp_path / "serial"))
    manifest = Store(out).manifest()
    assert manifest["status"] == "complete"
    assert manifest["sessions"][0]["executor"] == f"dask tcp://127.0.0.1:{port} (2 threads)"


@pytest.fixture
def scheduler(tmp_path):
    port = free_port()
    with started(
        f"dask scheduler --host 127.0.0.1 --port {port} --no-dashboard",
        tmp_path,
        tmp_path / "scheduler.log",
    ):
        yield f"tcp://127.0.0.1:{port}"


def worker(address: str, folder: Path, *extra: str, env: dict | None = None):
    folder.mkdir(exist_ok=True)
    command = f"dask worker {address} --nthreads 1 --no-dashboard {' '.join(extra)}"
    return started(command, folder, folder / "worker.log", env)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_a_worker_without_the_model_module_is_named_before_any_run(scheduler, tmp_path):
    client = tmp_path / "client"
    client.mkdir()
    (client / "cluster_cube.py").write_text(LOCAL_MODEL)
    (client / "cube.toml").write_text(
        'model = "cluster_cube:cube"\nseed = 1\n[factors]\nx = [1, 2]\n'
    )
    command = ["gpps", "sweep", "cube.toml", "--dask", scheduler, "--dask-wait", "60"]
    with worker(scheduler, tmp_path / "elsewhere"):
        workers_up(scheduler, 1)
        done = run(command + ["--no-progress"], client)
    line = one_line_error(done)
    assert re.fullmatch(
        r"gpps sweep: error: Dask worker tcp://127\.0\.0\.1:\d+ \(host .+\) cannot import "
        r"the model "
        r"module 'cluster_cube' \(ModuleNotFoundError: No module named 'cluster_cube'\); "
        r"install it on every worker or put its folder on the workers' PYTHONPATH "
        r"\(docs/cluster\.md\)",
        line,
    ), line
    assert not (client / "results" / "cube" / "runs").exists()
    # the advice works: the same command with the folder on the worker's PYTHONPATH
    with worker(scheduler, tmp_path / "elsewhere", env=environment(PYTHONPATH=str(client))):
        workers_up(scheduler, 1)
        again = run(command + ["--no-progress"], client)
    assert again.returncode == 0, again.stderr
    assert Store(client / "results" / "cube").read()["y"].tolist() == [1.0, 8.0]


def test_a_worker_without_gpps_is_named_before_any_run(scheduler, tmp_path):
    (tmp_path / "hide_gpps.py").write_text(HIDE_GPPS)
    spec = tmp_path / "exp.toml"
    spec.write_text(SPEC)
    with worker(scheduler, tmp_path / "w", "--preload", str(tmp_path / "hide_gpps.py")):
        workers_up(scheduler, 1)
        done = run(["gpps", "sweep", spec, "--dask", scheduler, "--no-progress"], tmp_path)
    line = one_line_error(done)
    assert re.fullmatch(
        r"gpps sweep: error: Dask worker tcp://127\.0\.0\.1:\d+ \(host .+\) cannot import gpps "
        r"\(ModuleNotFoundError: No module named 'sim'\); install gpps \S+ on every worker "
        r"\(docs/cluster\.md\)",
        line,
    ), line


def test_losing_every_worker_ends_the_sweep_after_the_wait(scheduler, tmp_path):
    spec = tmp_path / "slow.toml"
    spec.write_text(SLOW.format(xs=", ".join(str(i) for i in range(60))))
    out = tmp_path / "results"
    command = ["gpps", "sweep", spec, "--dask", scheduler, "--dask-wait", "5"]
    command += ["--chunk-size", "2", "--out", out, "--no-progress"]
    with worker(scheduler, tmp_path / "w") as w:
        workers_up(scheduler, 1)
        with subprocess.Popen(
            [str(c) for c in command],
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as sweep:
            try:
                deadline = time.monotonic() + 300
                while len(list((out / "runs").glob("part-*.parquet"))) < 2:
                    assert sweep.poll() is None, sweep.communicate()
                    assert time.monotonic() < deadline, "no part written"
                    time.sleep(0.05)
                stop(w, signal.SIGKILL)  # every worker gone at once
                stdout, stderr = sweep.communicate(timeout=300)
            finally:
                if sweep.poll() is None:
                    sweep.kill()
    assert sweep.returncode == 2, stderr
    assert "Traceback" not in stderr and stdout == ""
    line = stderr.strip().splitlines()[-1]
    m = re.fullmatch(
        rf"gpps sweep: error: --dask = '{scheduler}': no Dask worker for 5 s \(all workers lost; "
        rf"--dask-wait sets this wait\); (\d+)/60 runs recorded in {re.escape(str(out))}, "
        r"the same command resumes the rest",
        line,
    )
    assert m, line
    manifest = Store(out).manifest()
    assert manifest["status"] == "incomplete"
    # two parts were written before the workers went: the first run (checked on its own before
    # the sweep starts) and at least one chunk
    assert manifest["runs"]["recorded"] == int(m.group(1)) >= 3


@pytest.mark.parametrize("wait", ["0", "-5", "nan"])
def test_a_wait_that_is_not_positive_is_refused_and_nothing_written(tmp_path, capsys, wait):
    from sim.cli import main

    spec = tmp_path / "exp.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    argv = ["sweep", str(spec), "--dask", "local", "--dask-wait", wait, "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"gpps sweep: error: --dask-wait = {float(wait):g}: must be a number of seconds > 0\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({"host": "h", "gpps": "1.0"}, None),
        (
            {"host": "h", "gpps_error": "ModuleNotFoundError: No module named 'sim'"},
            "Dask worker tcp://w:1 (host h) cannot import gpps (ModuleNotFoundError: No module "
            "named 'sim'); install gpps 1.0 on every worker (docs/cluster.md)",
        ),
        (
            {"host": "h", "gpps": "0.9"},
            "Dask worker tcp://w:1 (host h) has gpps 0.9, this process gpps 1.0; install the same "
            "version on every worker (docs/cluster.md)",
        ),
        (
            {"host": "h", "gpps": "1.0", "model_error": "ImportError: boom"},
            "Dask worker tcp://w:1 (host h) cannot import the model module 'mod' (ImportError: "
            "boom); install it on every worker or put its folder on the workers' PYTHONPATH "
            "(docs/cluster.md)",
        ),
    ],
)
def test_what_a_worker_check_reports(found, expected):
    assert worker_mismatch("tcp://w:1", found, "1.0", "mod:fn") == expected


def test_the_probe_runs_where_gpps_cannot_be_imported(tmp_path):
    """The check must reach a worker without gpps: cloudpickle sends it by value."""
    import cloudpickle

    from sim.experiments.executors import _worker_probe

    (tmp_path / "probe.pkl").write_bytes(cloudpickle.dumps(_worker_probe()))
    code = HIDE_GPPS + (
        "import json, pickle\n"
        "probe = pickle.load(open('probe.pkl', 'rb'))\n"
        "print(json.dumps(probe('json')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["gpps_error"] == "ModuleNotFoundError: No module named 'sim'"
    here = cloudpickle.loads(cloudpickle.dumps(_worker_probe()))
    assert "gpps_error" not in here("sim.experiments.testfunctions")
    assert "No module named" in here("no_such_module_here")["model_error"]


def test_a_run_that_kills_its_workers_ends_the_sweep(tmp_path):
    """``crash`` ends its worker's process at x = 3: Dask gives up on the task (KilledWorker,
    here after the first death) and the sweep ends with what it recorded."""
    spec = tmp_path / "crash.toml"
    spec.write_text(
        'model = "sim.experiments.testfunctions:crash"\nseed = 4\n'
        "[factors]\ncrash_at = 3\nx = [0, 1, 2, 3, 4, 5]\n"
    )
    out = tmp_path / "out"
    command = ["gpps", "sweep", spec, "--dask", "local", "--workers", "1", "--chunk-size", "1"]
    done = subprocess.run(
        [str(c) for c in command + ["--out", out, "--no-progress"]],
        cwd=tmp_path,
        env=environment(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"gpps sweep: error: --dask = 'local': a task killed every Dask worker that ran it "
        r"\(.+\); a run "
        r"ends its worker's process \(a crash in the model, or out of memory\): see the worker "
        rf"logs; \d/6 runs recorded in {re.escape(str(out))}, the same command resumes the rest",
        line,
    ), line
    assert Store(out).manifest()["status"] == "incomplete"
    assert 3 not in Store(out).read()["x"].tolist()


def test_the_window_follows_a_cluster_that_grows():
    """Workers that join after the start (batch systems) get chunks: the number of chunks in
    flight follows the executor's current size, not the size when the sweep started."""
    from sim.experiments.executors import Pool, SerialExecutor
    from sim.experiments.replicate import window

    executor = SerialExecutor()
    pool = Pool(executor, 1, "grows")
    assert window(pool) == 3
    executor.parallelism = 8  # as DaskExecutor's watch sets it when workers join
    assert window(pool) == 17


def test_a_worker_without_the_model_that_joins_later_ends_the_sweep(scheduler, tmp_path):
    client = tmp_path / "client"
    client.mkdir()
    (client / "cluster_nap.py").write_text(NAP_MODEL)
    # 200 runs of 0.2 s on one worker: far longer than a worker takes to start
    xs = ", ".join(str(i) for i in range(200))
    spec = f'model = "cluster_nap:nap"\nseed = 1\n[factors]\nx = [{xs}]\n'
    (client / "nap.toml").write_text(spec)
    out = client / "results" / "nap"
    command = ["gpps", "sweep", "nap.toml", "--dask", scheduler, "--chunk-size", "2"]
    with worker(scheduler, tmp_path / "good", env=environment(PYTHONPATH=str(client))):
        workers_up(scheduler, 1)
        with subprocess.Popen(
            command + ["--no-progress"],
            cwd=client,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as sweep:
            try:
                deadline = time.monotonic() + 300
                while not list((out / "runs").glob("part-*.parquet")):
                    assert sweep.poll() is None, sweep.communicate()
                    assert time.monotonic() < deadline, "no part written"
                    time.sleep(0.05)
                with worker(scheduler, tmp_path / "late"):  # no PYTHONPATH: no model module
                    stdout, stderr = sweep.communicate(timeout=300)
            finally:
                if sweep.poll() is None:
                    sweep.kill()
    assert sweep.returncode == 2, stderr
    assert "Traceback" not in stderr and stdout == ""
    line = stderr.strip().splitlines()[-1]
    m = re.fullmatch(
        r"gpps sweep: error: Dask worker tcp://127\.0\.0\.1:\d+ \(host .+\) cannot import "
        r"the model "
        r"module 'cluster_nap' \(ModuleNotFoundError: No module named 'cluster_nap'\); install "
        r"it on every worker or put its folder on the workers' PYTHONPATH \(docs/cluster\.md\); "
        rf"(\d+)/200 runs recorded in {re.escape(str(out.relative_to(client)))}, the same "
        r"command resumes the rest",
        line,
    )
    assert m, line
    assert 2 <= int(m.group(1)) < 200
    assert Store(out).manifest()["status"] == "incomplete"


def test_losing_the_scheduler_ends_the_sweep_after_the_wait(tmp_path):
    spec = tmp_path / "slow.toml"
    spec.write_text(SLOW.format(xs=", ".join(str(i) for i in range(60))))
    out = tmp_path / "results"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    command = ["gpps", "sweep", spec, "--dask", address, "--dask-wait", "5"]
    command += ["--chunk-size", "2", "--out", out, "--no-progress"]
    scheduler_command = f"dask scheduler --host 127.0.0.1 --port {port} --no-dashboard"
    with (
        started(scheduler_command, tmp_path, tmp_path / "scheduler.log") as scheduler,
        worker(address, tmp_path / "w"),
    ):
        workers_up(address, 1)
        with subprocess.Popen(
            [str(c) for c in command],
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as sweep:
            try:
                deadline = time.monotonic() + 300
                while not list((out / "runs").glob("part-*.parquet")):
                    assert sweep.poll() is None, sweep.communicate()
                    assert time.monotonic() < deadline, "no part written"
                    time.sleep(0.05)
                stop(scheduler, signal.SIGKILL)
                stdout, stderr = sweep.communicate(timeout=300)
            finally:
                if sweep.poll() is None:
                    sweep.kill()
    assert sweep.returncode == 2, stderr
    assert stdout == ""
    line = stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"gpps sweep: error: --dask = '{address}': lost the scheduler for 5 s \(.+\); "
        rf"\d+/60 runs recorded in {re.escape(str(out))}, the same command resumes the rest",
        line,
    ), line
    assert Store(out).manifest()["status"] == "incomplete"
