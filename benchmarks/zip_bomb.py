"""What a zip bomb costs the compare page: a zip of a few hundred kB declaring one 450 MB image (zeros, deflated),
read by `fer.app.own_faces.read_labelled_zip` (what the page runs). Prints the zip's size, the one line the page
shows, and how much the process's peak memory grew.

    python benchmarks/zip_bomb.py            # 450 MB entry
    python benchmarks/zip_bomb.py --mb 1000
"""
from __future__ import annotations

import argparse
import io
import resource
import time
import zipfile


from fer.app import own_faces
from fer.data import DataError


def bomb(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("my_faces/happy/big.png", "w", force_zip64=True) as entry:
            for _ in range(megabytes):
                entry.write(bytes(2**20))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=450)
    args = parser.parse_args()
    data = bomb(args.mb)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        own_faces.read_labelled_zip(data)
        outcome = "read (not refused!)"
    except DataError as e:
        outcome = f"refused: {e}"
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    print(f"zip of {len(data) / 1024:.0f} kB declaring {args.mb} MB: {outcome}")
    print(f"peak memory grew by {grown:.1f} MB; {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
