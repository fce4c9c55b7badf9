"""The output of a job. `OUT` (e.g. results.parquet) is a folder of Parquet part files, one per finished task,
that pandas, pyarrow, DuckDB or Spark read as one dataset; beside it, `<OUT stem>.files.csv` is the per-file
table (one line appended per finished file, so a killed run loses only the files in flight) and it is the
record of what is done: a part file counts only once its files are in the table.

A part is written under a dot-name and renamed when complete; parts the table does not name (a run killed
between the rename and the table line) are removed when the next run starts.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..labels import EMOTIONS

FILE_COLUMNS = ["source", "kind", "status", "faces", "frames", "seconds", "error", "part"]
STATUSES = ("ok", "failed")
RUN_FILE = "_job.json"
ROW_GROUP = 8192

SCHEMA = pa.schema([
    ("source", pa.string()), ("kind", pa.string()), ("frame", pa.int64()), ("time_s", pa.float64()),
    ("face_id", pa.int64()), ("x", pa.int32()), ("y", pa.int32()), ("w", pa.int32()), ("h", pa.int32()),
    ("score", pa.float32()), ("label", pa.string()), ("confidence", pa.float32()),
    *[(e, pa.float32()) for e in EMOTIONS], *[(f"raw_{e}", pa.float32()) for e in EMOTIONS],
    ("model", pa.string()), ("detector", pa.string()),
])
ROW_ORDER = [("source", "ascending"), ("frame", "ascending"), ("face_id", "ascending")]


def files_table_path(out) -> Path:
    """results.parquet -> results.files.csv beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem if out.suffix == '.parquet' else out.name}.files.csv")


class PartWriter:
    """Rows of one task into OUT/part-<key>.parquet, a row group at a time (memory flat in the rows)."""

    def __init__(self, out, key: str):
        self.final = Path(out) / f"part-{key}.parquet"
        self.temporary = Path(out) / f".part-{key}.parquet.tmp"
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
    face id. Columns: source, kind, frame, time_s (videos), face_id (the track in a video, the face's place
    from 1 in a photo), x, y, w, h, score (detector), label, confidence, the 7 probabilities (smoothed over the
    frames of a track in videos; the label is their argmax), raw_<emotion> (the frame's own), model, detector."""
    out = Path(out)
    if not out.is_dir():
        raise FileNotFoundError(f"{out}: no results there (run `python -m fer analyze ... --out {out}`)")
    done = latest_by_source(read_file_table(out)).values()
    parts = sorted({entry["part"] for entry in done if entry["status"] == "ok" and entry["part"]})
    wanted = {entry["source"] for entry in done if entry["status"] == "ok"}
    tables = [pq.read_table(out / part, columns=columns and sorted(set(columns) | {"source"})) for part in parts]
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    table = table.filter(pc.is_in(table["source"], pa.array(sorted(wanted), pa.string())))
    order = [key for key in ROW_ORDER if key[0] in table.column_names]
    table = table.sort_by(order)
    if columns is not None:
        table = table.select(columns)
    return table.to_pandas()
