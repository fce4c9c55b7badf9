"""VersionError: one line naming the version or the file that is missing, broken or fails its checksum."""


class VersionError(RuntimeError):
    """A model version that is missing, incomplete or fails its integrity check."""
