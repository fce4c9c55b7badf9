"""The output of a job. `OUT` (e.g. results.parquet) is a folder of Parquet part files, one per finished task,
that pandas, pyarrow, DuckDB or Spark read as one dataset; beside it, `<OUT stem>.files.csv` is the per-file
table (one line appended per finished file, so a killed run loses only the files in flight) and it is the
record of what is done: a part file counts only once its files are in the table.

A part is written under a dot-name of its own and renamed when complete, so that a task run twice (its Ray
worker lost, fer.batch.actor_pool) leaves one part; parts the table does not name (a run killed between the
rename and the table line) and temporaries are removed when the next run starts.

Rows are face rows (fer.inference.rows). Parts written before that schema (face_id holding a photo face's
place, frame 0 for photos, no `face` and no landmarks) are migrated: read_results converts them as it reads,
and a resumed run rewrites them in place first, so that the folder stays one dataset with one schema.
"""
from __future__ import annotations

import csv
import json
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..inference.rows import COLUMNS, face_table

FILE_COLUMNS = ["source", "kind", "status", "faces", "frames", "seconds", "error", "part"]
STATUSES = ("ok", "failed")
RUN_FILE = "_job.json"
ROW_GROUP = 8192

SCHEMA = pa.schema([(c.name, pa.type_for_alias(c.type)) for c in COLUMNS])
ROW_ORDER = [("source", "ascending"), ("frame", "ascending"), ("face", "ascending")]


def files_table_path(out) -> Path:
    """results.parquet -> results.files.csv beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem if out.suffix == '.parquet' else out.name}.files.csv")


class PartWriter:
    """Rows of one task into OUT/part-<key>.parquet, a row group at a time (memory flat in the rows)."""

    def __init__(self, out, key: str):
        self.final = Path(out) / f"part-{key}.parquet"
        self.temporary = Path(out) / f".part-{key}.{uuid.uuid4().hex[:8]}.parquet.tmp"  # one per run of the task
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, columns: dict[str, list]) -> None:
        if not columns["source"]:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.temporary, SCHEMA, compression="zstd")
        self.writer.write_table(pa.table(columns, schema=SCHEMA), row_group_size=ROW_GROUP)
        self.rows += len(columns["source"])

    def close(self) -> str:
        """The part's file name ("" when the task had no rows)."""
        if self.writer is None:
            return ""
        self.writer.close()
        os.replace(self.temporary, self.final)
        return self.final.name

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.temporary.unlink(missing_ok=True)
            self.writer, self.rows = None, 0


def migrated(table: pa.Table) -> pa.Table:
    """A part's rows in today's SCHEMA. A part written before the face-row schema: a photo's face_id (its
    place) becomes `face` and face_id, frame and time_s become empty; a video face's `face` is its place in
    its frame (rows are written in that order); landmarks are empty (not recorded then)."""
    if table.schema.equals(SCHEMA):
        return table
    frame = table.to_pandas()
    if "face" not in frame:
        photo = frame["kind"] == "photo"
        frame["face"] = frame.groupby(["source", "frame"], sort=False).cumcount() + 1
        frame.loc[photo, "face"] = frame.loc[photo, "face_id"]
        for column, empty in (("face_id", "Int64"), ("frame", "Int64"), ("time_s", "float64")):
            frame[column] = frame[column].astype(empty).mask(photo)
    for name in SCHEMA.names:
        if name not in frame:
            frame[name] = None
    return pa.Table.from_pandas(frame[SCHEMA.names], schema=SCHEMA, preserve_index=False)


def migrate_parts(out: Path) -> None:
    """Rewrites the parts of an earlier schema in today's (each through a temporary file and a rename)."""
    for part in sorted(out.glob("part-*.parquet")):
        if not pq.read_schema(part).equals(SCHEMA):
            temporary = part.with_name(f".{part.name}.tmp")
            pq.write_table(migrated(pq.read_table(part)), temporary, compression="zstd", row_group_size=ROW_GROUP)
            os.replace(temporary, part)


def read_file_table(out) -> list[dict]:
    """Every line of the per-file table, oldest first; a line cut short by a killed run is left out."""
    path = files_table_path(out)
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [row for row in csv.DictReader(f) if row.get("status") in STATUSES and row.get("part") is not None]


def latest_by_source(entries: list[dict]) -> dict[str, dict]:
    """The last line of each file (a retried file has several)."""
    return {entry["source"]: entry for entry in entries}


class FileTable:
    """Appends finished files to the per-file table, one flushed line each."""

    def __init__(self, out):
        path = files_table_path(out)
        new = not path.is_file() or path.stat().st_size == 0
        if not new:
            drop_partial_last_line(path)
        self.file = open(path, "a", newline="")
        self.writer = csv.DictWriter(self.file, FILE_COLUMNS)
        if new:
            self.writer.writeheader()

    def add(self, record: dict) -> None:
        self.writer.writerow({k: record.get(k, "") for k in FILE_COLUMNS})
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def drop_partial_last_line(path: Path) -> None:
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def prepare(out, settings: dict) -> dict[str, dict]:
    """Creates OUT, checks that an existing one was written with the same settings (one job's rows share them),
    removes the parts and temporaries a killed run left, and returns what is done: source -> its table line."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    job = out / RUN_FILE
    if job.is_file():
        before = json.loads(job.read_text())
        changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
        if changed:
            earlier = ", ".join(str(before.get(k)) for k in changed)
            raise ValueError(f"{out} holds results made with other settings ({', '.join(changed)}: {earlier}); "
                             "use another --out or the same options")
    else:
        job.write_text(json.dumps(settings, indent=2))
    done = latest_by_source(read_file_table(out))
    named = {entry["part"] for entry in read_file_table(out) if entry["part"]}
    for leftover in [*out.glob(".part-*.parquet.tmp"), *(p for p in out.glob("part-*.parquet") if p.name not in named)]:
        leftover.unlink()
    migrate_parts(out)
    return done


def read_files(out):
    """The per-file table as a DataFrame (one row per file, its last run): source, kind, status, faces, frames,
    seconds, error, part."""
    import pandas as pd

    rows = list(latest_by_source(read_file_table(out)).values())
    table = pd.DataFrame(rows, columns=FILE_COLUMNS)
    for column in ("faces", "frames"):
        table[column] = pd.to_numeric(table[column]).astype("int64")
    table["seconds"] = pd.to_numeric(table["seconds"]).astype("float64")
    table["error"] = table["error"].fillna("")
    return table


def read_results(out, columns: list[str] | None = None):
    """The per-face DataFrame of a job: one row per face per photo or video frame, ordered by source, frame and
    face number; the face rows of fer.inference.rows (docs/face-rows.md), typed as face_table types them."""
    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"{out}: no results there (run `python -m fer analyze ... --out {out}`)")
    done = latest_by_source(read_file_table(out)).values()
    parts = sorted({entry["part"] for entry in done if entry["status"] == "ok" and entry["part"]})
    wanted = {entry["source"] for entry in done if entry["status"] == "ok"}
    needed = None if columns is None else sorted(set(columns) | {key for key, _ in ROW_ORDER})
    tables = [read_part(out / part, needed) for part in parts]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table().select(needed or SCHEMA.names)
    table = table.filter(pc.is_in(table["source"], pa.array(sorted(wanted), pa.string())))
    return face_table(table.sort_by(ROW_ORDER).to_pandas(), columns)


def read_part(path: Path, columns: list[str] | None) -> pa.Table:
    """A part's rows in today's schema (only `columns`, when given)."""
    if pq.read_schema(path).equals(SCHEMA):
        return pq.read_table(path, columns=columns)
    table = migrated(pq.read_table(path))
    return table if columns is None else table.select(columns)
