"""The results folder: Parquet part files written atomically, a manifest, a lock.

Layout of ``results/NAME/``::

    manifest.json        spec, spec hash, versions, git revision, sessions, run counts
    design.parquet       the sampled points in unit space (one row per sample_id)
    runs/part-*.parquet  one row per run: one part per completed chunk while a sweep runs,
                         one part once it is complete (compacted)
    series/part-*.parquet  time series, long: run_id, outcome, step, value
    analysis/            what ``gpps analyze`` writes

``runs/`` and ``series/`` hold Parquet files only, so each folder is a dataset as it is:
``pd.read_parquet("results/NAME/runs")``, ``pyarrow.parquet.read_table``, ``polars.read_parquet``
and DuckDB's ``read_parquet`` read it whole. Folders written before this layout (``runs.parquet``
and ``series.parquet`` beside the manifest) are still read; the next sweep command moves them in.

A part is written to a temporary name in the results folder (outside the datasets) and renamed
into place, so ``kill -9`` never leaves a corrupt or partial file in a dataset. The series part
of a chunk is written before its runs part: a runs part implies its series.

Reading checks what it reads: a manifest that is not JSON or lacks a key, a Parquet file that
cannot be read or lacks a column, is an ``InputError`` naming the file and what is wrong.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.schema import Column as C
from sim.schema import Table

_TABLES = ("runs", "series")
#: What a sweep writes into its folder; anything else there is not its own.
OWN = frozenset(
    {
        ".lock",
        "manifest.json",
        "design.parquet",
        "runs",
        "series",
        "runs.parquet",
        "series.parquet",
        "analysis",
    }
)
#: Keys ``analyze`` and a resumed sweep need in ``manifest.json``.
MANIFEST_KEYS = ("name", "spec", "spec_hash", "design", "versions", "runs")
#: Columns every runs table has.
RUNS_COLUMNS = ("run_id", "sample_id", "combo_id", "replication", "seed", "status", "error")
#: Per-run bookkeeping columns kept at the end of the runs table.
TRAILER = ("elapsed_s", "traceback")

_ERROR = C("error", "str", "", "the run's error in one line (empty: ok)", nullable=True)
#: The tables a sweep writes (``sim.schema``).
TABLES = [
    Table(
        "runs/",
        "sweep",
        "Dataset: one row per run.",
        (
            C("run_id", "int", "", "run id, 0 to runs - 1 (sample, combination, replication)"),
            C("sample_id", "int", "", "design point (row of design.parquet)"),
            C("combo_id", "int", "", "combination of the swept factors' levels"),
            C("replication", "int", "", "replication, from 0"),
            C("seed", "int", "", "the run's seed, derived from the spec's seed"),
            C("status", "str", "", "ok or error"),
            _ERROR,
            C(
                "{factor}",
                "any",
                "the parameter's (parameter table)",
                "what the run was given: scenario, steps, and every held, swept and sampled factor",
            ),
            C(
                "{outcome}",
                "float",
                "the outcome's (outcome table)",
                "every outcome the model returned (out_NAME where NAME is also a factor); "
                "empty for a failed run",
                nullable=True,
            ),
            C("elapsed_s", "float", "seconds", "the run's wall time"),
            C("traceback", "str", "", "the failed run's traceback", nullable=True),
        ),
    ),
    Table(
        "series/",
        "sweep",
        "Dataset: one row per run, recorded outcome and recorded step (long format).",
        (
            C("run_id", "int", "", "run id (runs/)"),
            C("outcome", "str", "", "the series' name (outcome table, or a component)"),
            C("step", "int", "", "recorded step: 0 is month 1, k is month 1 + k x record.every"),
            C("value", "float", "the outcome's", "its value that month", nullable=True),
        ),
    ),
    Table(
        "design.parquet",
        "sweep",
        "One row per design point.",
        (
            C("sample_id", "int", "", "design point"),
            C(
                "{sampled}",
                "float",
                "the parameter's; u_NAME: 0-1",
                "per sampled factor NAME: its value, then u_NAME, its unit-cube coordinate",
            ),
        ),
    ),
]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_parquet(df: pd.DataFrame, path: Path, scratch: Path | None = None) -> None:
    """Write ``df`` to ``path`` atomically (temporary file in ``scratch``, by default beside
    ``path``, on the same file system; fsync; rename)."""
    tmp = (scratch or path.parent) / f".tmp-{os.getpid()}-{path.name}"
    table = pa.Table.from_pandas(df, preserve_index=False)
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full or read-only disk, an interrupt: no temporary stays
        tmp.unlink(missing_ok=True)
        raise


def read_parquet(
    path: Path, columns: list[str] | None = None, what: str = "", only: bool = False
) -> pd.DataFrame:
    """Read a Parquet file holding ``columns`` (``only``: just those); a missing, truncated or
    foreign file is an ``InputError`` naming it."""
    if not path.is_file():
        raise InputError(f"{path}: missing{what}")
    try:
        names = pq.read_schema(path).names
        for col in columns or ():
            if col not in names:
                raise InputError(f"{path}: no column {col!r} (not a table written by a sweep)")
        return pq.read_table(path, columns=list(columns) if only else None).to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputError(f"{path}: not a readable Parquet file ({reason})") from None


def write_json(data: dict, path: Path) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Store:
    """One experiment's results folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._lock = None

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def manifest(self) -> dict:
        """The manifest, checked: JSON, a table, with every key of ``MANIFEST_KEYS``."""
        path = self.manifest_path
        if not self.exists():
            raise InputError(f"{self.root}: no manifest.json (not a results folder of a sweep)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise InputError(f"{path}: not a UTF-8 text file (expected a sweep's JSON)") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: expected a JSON object, found {type(data).__name__}")
        for key in MANIFEST_KEYS:
            if key not in data:
                raise InputError(f"{path}: missing key {key!r} (incomplete manifest)")
        for key, kind in (("spec", dict), ("design", dict), ("versions", dict), ("runs", dict)):
            if not isinstance(data[key], kind):
                raise InputError(f"{path}: key {key!r} = {data[key]!r:.40}: expected an object")
        if not isinstance(data["spec_hash"], str):
            raise InputError(f"{path}: key 'spec_hash': expected a string")
        for key in ("method", "points", "combinations", "replications"):
            if key not in data["design"]:
                raise InputError(f"{path}: missing key 'design.{key}' (incomplete manifest)")
        if data.get("status") == "running" and not self._writer_alive():
            data["status"] = "interrupted"  # its sweep was killed before it could say so
        return data

    def _writer_alive(self) -> bool:
        """Whether a sweep holds this folder's lock; a lock file no sweep holds, and the
        temporary parts a killed sweep left, are removed."""
        if self._lock is not None:
            return True
        path = self.root / ".lock"
        try:
            fh = open(path)  # noqa: SIM115
        except OSError:
            return False
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            with contextlib.suppress(OSError):
                path.unlink()
            self._clean_temporaries()  # the killed sweep's half-written parts
        return False

    def save_manifest(self, manifest: dict) -> None:
        write_json(manifest, self.manifest_path)

    # --- opening ------------------------------------------------------------------------------

    def check_target(self, spec_hash: str, spec_path: str, force: bool) -> None:
        """Before anything is written: ``--out`` must be a new folder, an empty one, or the
        results of this spec (another spec's, or other files, only with ``force``)."""
        root = self.root
        parent = root.absolute()
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(
                f"--out = {root}: {parent} is not writable; allowed: a folder this user can write"
            )
        if root.exists() and not root.is_dir():
            raise InputError(
                f"--out = {root}: is a file; allowed: a new or empty folder, or the results "
                "folder of this spec"
            )
        if not root.is_dir() or force:
            return
        foreign = sorted(
            p.name for p in root.iterdir() if p.name not in OWN and not p.name.startswith(".tmp-")
        )
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise InputError(
                f"--out = {root}: holds files that are not results of a sweep ({shown}); "
                "allowed: a new or empty folder, the results of this spec, or --force"
            )
        if self.exists():
            old = self.manifest().get("spec_hash")
            if old != spec_hash:
                raise InputError(
                    f"{spec_path}: spec changed: {root} holds a different spec "
                    f"(hash {str(old)[:12]}, now {spec_hash[:12]}); "
                    "allowed: the same spec, another --out, or --force to replace them"
                )

    def recorded(self, spec_hash: str) -> set[int]:
        """Run ids already recorded for the spec ``spec_hash`` (read only; empty otherwise)."""
        try:
            same = self.exists() and self.manifest().get("spec_hash") == spec_hash
        except InputError:
            return set()
        return self.done()[0] if same else set()

    def lock(self) -> None:
        """Hold an exclusive lock on the folder until the process ends or ``unlock``.

        ``unlock`` removes the lock file: a process that opened it just before is told by the
        file's inode that it holds a removed lock, and takes the new one.
        """
        self._created = not self.root.exists()
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        while True:
            fh = open(path, "a")  # noqa: SIM115 (held open as the lock)
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                raise InputError(f"{self.root}: another sweep is writing to this folder") from None
            try:
                current = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
            except FileNotFoundError:
                current = False
            if current:
                self._lock = fh
                return
            fh.close()

    def unlock(self) -> None:
        """Release the lock and remove its file; a folder this sweep created and left empty
        goes too."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.root / ".lock").unlink()
            self._lock.close()
            self._lock = None
            if getattr(self, "_created", False):
                with contextlib.suppress(OSError):
                    self.root.rmdir()  # only when empty

    def prepare(self, spec_hash: str, spec_path: str, force: bool) -> bool:
        """Check the folder against the spec; returns ``True`` when resuming earlier results."""
        self._clean_temporaries()
        holds_data = any(self._files(t) for t in _TABLES) or self.exists()
        if not holds_data:
            return False
        try:
            old = self.manifest().get("spec_hash") if self.exists() else None
        except InputError:
            if not force:
                raise
            old = None  # a broken manifest: --force replaces those results
        if old == spec_hash:
            self._drop_orphan_series()
            return True
        if not force:
            what = "a different spec" if old else "results without a manifest"
            raise InputError(
                f"{spec_path}: spec changed: {self.root} holds {what} "
                f"(hash {str(old)[:12]}, now {spec_hash[:12]}); "
                "allowed: the same spec, another --out, or --force to replace them"
            )
        self.clear()
        return False

    def clear(self) -> None:
        """Remove every result (used by ``--force``)."""
        for name in ("runs", "series", "analysis"):
            shutil.rmtree(self.root / name, ignore_errors=True)
        for name in ("runs.parquet", "series.parquet", "design.parquet", "manifest.json"):
            (self.root / name).unlink(missing_ok=True)

    def _clean_temporaries(self) -> None:
        for folder in (self.root, self.root / "runs", self.root / "series"):
            if folder.is_dir():
                for tmp in folder.glob(".tmp-*"):
                    tmp.unlink(missing_ok=True)

    def _drop_orphan_series(self) -> None:
        """A series part whose runs part never landed (killed in between) is dropped."""
        for part in self._parts("series"):
            if not (self.root / "runs" / part.name).exists():
                part.unlink()

    # --- writing ------------------------------------------------------------------------------

    def write_design(self, design: pd.DataFrame) -> None:
        path = self.root / "design.parquet"
        if not path.exists():
            write_parquet(design, path)

    def write_part(self, first_run_id: int, runs: pd.DataFrame, series: pd.DataFrame) -> None:
        """Write one chunk's rows: series first, then runs (the commit point)."""
        name = f"part-{first_run_id:010d}.parquet"
        if len(series):
            (self.root / "series").mkdir(exist_ok=True)
            write_parquet(series, self.root / "series" / name, self.root)
        (self.root / "runs").mkdir(exist_ok=True)
        write_parquet(runs, self.root / "runs" / name, self.root)

    def compact(self) -> None:
        """Merge each table's files into one part (named by its first run id), then drop the
        others; a run found twice (a compaction cut short) is kept once."""
        for table in _TABLES:
            files = self._files(table)
            if len(files) < 2 and all(f.parent.name == table for f in files):
                continue
            df = self.read(table)
            (self.root / table).mkdir(exist_ok=True)
            first = int(df["run_id"].min()) if len(df) else 0
            merged = self.root / table / f"part-{first:010d}.parquet"
            write_parquet(df, merged, self.root)
            for path in files:
                if path != merged:
                    path.unlink()

    # --- reading ------------------------------------------------------------------------------

    def _parts(self, table: str) -> list[Path]:
        folder = self.root / table
        return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []

    def _files(self, table: str) -> list[Path]:
        """The table's parts, after the single file of the earlier layout if there is one."""
        legacy = self.root / f"{table}.parquet"
        return ([legacy] if legacy.exists() else []) + self._parts(table)

    def read(self, table: str = "runs") -> pd.DataFrame:
        """The whole table, sorted by run id, without duplicates."""
        need = list(RUNS_COLUMNS) if table == "runs" else ["run_id", "outcome", "step", "value"]
        frames = [read_parquet(p, need) for p in self._files(table)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame({"run_id": pd.Series(dtype="int64")})
        df = pd.concat(frames, ignore_index=True)
        keys = ["run_id"] if table == "runs" else ["run_id", "outcome", "step"]
        df = df.drop_duplicates(keys, keep="first").sort_values(keys, kind="stable")
        df = df[[c for c in df.columns if c not in TRAILER] + [c for c in TRAILER if c in df]]
        return df.reset_index(drop=True)

    def read_design(self) -> pd.DataFrame:
        what = " (the design of the sweep; run the same sweep again to write it)"
        return read_parquet(self.root / "design.parquet", ["sample_id"], what)

    def done(self) -> tuple[set[int], int]:
        """Run ids already recorded, and how many of them failed."""
        ids, failed = set(), 0
        for path in self._files("runs"):
            t = read_parquet(path, ["run_id", "status"], only=True)
            new = t[~t["run_id"].isin(ids)]
            ids.update(new["run_id"].tolist())
            failed += int((new["status"] != "ok").sum())
        return ids, failed


def git_revision(path: Path) -> str | None:
    """``HEAD`` of the git repo holding ``path``, with ``-dirty`` if it has changes."""
    try:
        rev = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return rev + ("-dirty" if dirty else "")
