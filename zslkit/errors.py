"""One exception type for every user-facing failure.

The CLI prints `error: <message>` on one line and exits non-zero; messages must
name the file, key or value at fault and say what was expected.
"""


class ZslkitError(Exception):
    """A user-facing error with a one-line message (never a traceback)."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class DataError(ZslkitError):
    """Bad or missing dataset files."""


class ConfigError(ZslkitError):
    """Bad configuration key, value or file."""


class PluginError(ZslkitError):
    """Unknown, conflicting or failing plugins."""


class DivergenceError(ZslkitError):
    """A loss became NaN or inf during training."""

    exit_code = 3
