"""'Did you mean' hints for unknown names."""

import difflib


def did_you_mean(name: str, known) -> str:
    """Return ' (did you mean X?)' for the closest known name, or ''."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
