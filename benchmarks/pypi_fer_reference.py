"""Reference figures of the PyPI package `fer` (justinshenk/fer): (a) accuracy on FER2013 PrivateTest, (b) time
per 640x480 frame. Run it with this package's python; PyPI's fer runs in a venv of its own (fer/bench/pypi_fer.py
says how to make it, and what is measured):

    nice -n 10 python benchmarks/pypi_fer_reference.py [--pypi-python /tmp/pypifer/bin/python] [--data ...]
"""
from __future__ import annotations

import sys

try:
    from fer.bench.pypi_fer import reference
except ImportError as error:  # e.g. run by the venv with PyPI's fer, where `fer` is that package
    sys.exit(f"{error}: run this with this package's python; it runs PyPI's fer in its own venv (--pypi-python)")

if __name__ == "__main__":
    sys.exit(reference())
