"""Where dataset files live: `--data-root`, else `$ZSLKIT_DATA`, else a cache folder.

The platform cache folder keeps downloads out of the working directory:
`$XDG_CACHE_HOME/zslkit/data` (or `~/.cache/zslkit/data`) on Linux,
`~/Library/Caches/zslkit/data` on macOS, `%LOCALAPPDATA%\\zslkit\\data` on Windows.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from zslkit.errors import DataError

ENV_VAR = "ZSLKIT_DATA"


def default_data_root(platform: str | None = None, env=None) -> Path:
    """The per-user cache folder for datasets on this platform."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Caches" / "zslkit" / "data"
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "zslkit" / "data"
    base = env.get("XDG_CACHE_HOME") or str(home / ".cache")
    return Path(base) / "zslkit" / "data"


def resolve_data_root(cli_value: str | os.PathLike | None = None, env=None) -> Path:
    """The data root, by precedence: `--data-root` value, `$ZSLKIT_DATA`, platform cache.

    `~` is expanded; the folder need not exist (loaders say what is missing).
    """
    env = os.environ if env is None else env
    if cli_value not in (None, ""):
        return Path(cli_value).expanduser()
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    return default_data_root(env=env)


def ensure_writable(root: str | os.PathLike) -> Path:
    """Create `root` if needed and prove a file can be written there (downloads need it)."""
    root = Path(root).expanduser()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".zslkit-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise DataError(
            f"data root {root} is not writable: {reason}; choose another with --data-root DIR or {ENV_VAR}=DIR"
        ) from None
    return root
