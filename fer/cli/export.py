"""python -m fer export (placeholder until the inference pipeline lands)."""


def add_arguments(p):
    pass


def run(args) -> int:
    print("not available yet")
    return 1
