"""Batch analysis of collections: `python -m fer analyze PATH... --out RESULTS.parquet`.

    table = fer.analyze(["interviews/", "photos/*.jpg"], out="results.parquet", workers=4)  # per-file table
    faces = fer.read_results("results.parquet")     # one row per face per photo or video frame
    fer.analyze(paths, out="results.parquet", engine="ray", address="auto")                # on a Ray cluster

collection.py lists the files and cuts them into tasks, worker.py turns a task into rows, engines.py runs tasks
(this process, local processes, Ray actors), store.py writes and reads the Parquet parts and the per-file table.
"""
from .collection import PHOTO_EXTENSIONS, list_inputs
from .engines import ENGINES
from .run import analyze
from .settings import JobSettings
from .store import SCHEMA, files_table_path, read_files, read_results

__all__ = ["analyze", "read_results", "read_files", "files_table_path", "list_inputs", "JobSettings", "ENGINES",
           "SCHEMA", "PHOTO_EXTENSIONS"]
