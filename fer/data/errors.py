"""DataError, in a module of its own so that every reader can raise it without importing the others."""


class DataError(ValueError):
    """A dataset that cannot be read; the message names the file and the row or path."""
