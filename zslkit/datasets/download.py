"""Download the xlsa17 archive and unpack a dataset into the data root.

Where the data come from: Xian et al. publish the ResNet-101 features and
proposed splits of AWA1, AWA2, CUB, SUN and APY as one archive,
`xlsa17.zip` (about 0.9 GB), at https://datasets.d2.mpi-inf.mpg.de/xian/xlsa17.zip
(formerly cited with http://). FLO is not in that archive; its features and
splits are in the CVPR 2018 release `cvpr18xian.zip` at the same site. Both
hold `<top>/data/<DS>/res101.mat` and `att_splits.mat` (plus class lists);
each `<DS>` folder is unpacked to `<data root>/<DS>/`, the layout the xlsa17
loader reads. `--url` replaces the address (a mirror, or `file://` for a copy
already on disk).

Integrity: the authors publish no checksum, and none could be found in public
material, so zslkit cannot ship a trusted sha256. Without `--sha256` the first
complete download is trusted: its sha256 is printed and recorded next to the
archive (`<archive>.sha256`), and later runs check the kept archive, or a
new download of it, against that record. With `--sha256 HEX` the archive must match, or it is never
unpacked.

Robustness: bytes go to `<archive>.part`; a rerun resumes it with an HTTP Range
request (a server that ignores Range makes it start over). The `.part` file is
renamed only after the checksum passes, so an interrupted or corrupted
download is never unpacked. Unpacking writes into a temporary folder inside
the data root and renames it into place, and refuses archive members whose
paths would escape the data root.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from zslkit.datasets.paths import ensure_writable
from zslkit.errors import ConfigError, DataError
from zslkit.suggest import did_you_mean

CHUNK = 1 << 16
TIMEOUT_S = 60
DOWNLOADS = ".downloads"  # inside the data root
REQUIRED_FILES = ("res101.mat", "att_splits.mat")


@dataclass(frozen=True)
class Archive:
    url: str
    sha256: str | None  # None: no trusted published checksum (see module docstring)
    folders: tuple[str, ...]
    size_note: str


ARCHIVES = {
    "xlsa17": Archive("https://datasets.d2.mpi-inf.mpg.de/xian/xlsa17.zip", None,
                      ("APY", "AWA1", "AWA2", "CUB", "SUN"), "about 0.9 GB"),
    "cvpr18xian": Archive("https://datasets.d2.mpi-inf.mpg.de/xian/cvpr18xian.zip", None, ("FLO",), "size unknown"),
}

# download NAME -> (archive, folders to unpack); "xlsa17" unpacks every dataset of its archive.
DATASETS = {
    "awa1": ("xlsa17", ("AWA1",)), "awa2": ("xlsa17", ("AWA2",)), "cub": ("xlsa17", ("CUB",)),
    "sun": ("xlsa17", ("SUN",)), "apy": ("xlsa17", ("APY",)), "flo": ("cvpr18xian", ("FLO",)),
    "xlsa17": ("xlsa17", ()),
}


@dataclass
class Result:
    """What `download` did, for the CLI to report."""

    archive: Path
    sha256: str
    recorded: bool  # True: no checksum was given or known; this one was recorded
    downloaded: bool  # False: a kept, already complete archive was reused
    folders: list[Path] = field(default_factory=list)


def download(name: str, data_root, url: str | None = None, sha256: str | None = None,
             progress: bool = True, keep_archive: bool = True) -> Result:
    """Fetch (or reuse) the archive holding dataset `name`, check it, unpack it into `data_root`.

    Args:
        name: awa1, awa2, cub, sun, apy, flo, or xlsa17 (every dataset of xlsa17.zip).
        data_root: the folder that receives `<DS>/`; created if needed, must be writable.
        url: download address instead of the published one.
        sha256: expected hex digest of the archive; overrides any recorded one.
        progress: draw rich progress bars on stderr.
        keep_archive: keep the archive in `<data_root>/.downloads` for later names.
    """
    archive_name, folders = _lookup(name)
    spec = ARCHIVES[archive_name]
    url = url or spec.url
    expected = _check_hex(sha256) or spec.sha256
    root = ensure_writable(data_root)
    target = root / DOWNLOADS / (PurePosixPath(urlparse(url).path).name or f"{archive_name}.zip")
    target.parent.mkdir(exist_ok=True)
    result = _obtain(url, target, expected, progress)
    result.folders = extract(target, root, folders or spec.folders, require_all=bool(folders), progress=progress)
    if not keep_archive:
        target.unlink()
    return result


def _lookup(name: str):
    key = name.lower()
    if key not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r} for download{did_you_mean(key, DATASETS)}; "
                          f"expected one of {', '.join(DATASETS)}")
    return DATASETS[key]


def _check_hex(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256.strip()):
        raise ConfigError(f"--sha256 {sha256!r}: expected 64 hexadecimal digits")
    return sha256.strip().lower()


def _obtain(url: str, target: Path, expected: str | None, progress: bool) -> Result:
    """A verified archive at `target`: reuse a kept one, else download into `.part` and promote it.

    Without `expected`, a checksum recorded by an earlier download is used (trust on first use).
    """
    record = target.with_name(target.name + ".sha256")
    recorded = None if expected else _read_record(record)
    known = expected or recorded
    source = f" (recorded in {record} at the first download)" if recorded else ""
    if target.is_file():
        digest = check_sha256(target, known, f"kept archive {target}{source}")
        return Result(target, digest, recorded=known is None, downloaded=False)
    part = target.with_name(target.name + ".part")
    fetch(url, part, progress)
    digest = check_sha256(part, known, f"{part.name} from {url}{source}")
    os.replace(part, target)
    record.write_text(f"{digest}  {target.name}\n")
    return Result(target, digest, recorded=known is None, downloaded=True)


def _read_record(record: Path) -> str | None:
    if not record.is_file():
        return None
    text = record.read_text().split()
    return text[0].lower() if text and re.fullmatch(r"[0-9a-fA-F]{64}", text[0]) else None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_sha256(path: Path, expected: str | None, what: str) -> str:
    """The file's sha256; a DataError (file kept, nothing unpacked) if it differs from `expected`."""
    digest = sha256_of(path)
    if expected and digest != expected:
        raise DataError(f"sha256 mismatch for {what}: got {digest}, expected {expected}; "
                        f"the file is kept at {path} and was not unpacked (delete it to download afresh)")
    return digest


# --- HTTP with resume -------------------------------------------------------------------------

def fetch(url: str, part: Path, progress: bool = True) -> None:
    """Download `url` into `part`, resuming from its current size when the server allows it."""
    start = part.stat().st_size if part.exists() else 0
    resp = _open(url, part, start)
    if resp is None:
        return  # the partial file already holds the whole archive
    with resp:
        offset, total = _resume_point(resp, start)
        _copy(resp, part, offset, total, url, progress)


def _open(url: str, part: Path, start: int):
    import urllib.error
    import urllib.request

    from zslkit import __version__

    headers = {"User-Agent": f"zslkit/{__version__}"}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:
            total = _total_size(exc.headers.get("Content-Range"))
            if total in (None, start):
                return None
            part.unlink()  # longer than the remote file: not a prefix of it
            return _open(url, part, 0)
        raise DataError(f"download of {url} failed: HTTP {exc.code} {exc.reason}; {_kept(part)}") from None
    except ValueError as exc:
        raise ConfigError(f"--url {url!r}: {exc}; expected an http(s):// or file:// address") from None
    except OSError as exc:
        raise DataError(f"cannot reach {url}: {_reason(exc)}; {_kept(part)}") from None


def _resume_point(resp, start: int) -> tuple[int, int | None]:
    """(offset to write at, total size or None); offset 0 when the server ignored the Range."""
    length = resp.headers.get("Content-Length")
    length = int(length) if length and length.isdigit() else None
    if start and getattr(resp, "status", None) == 206:
        match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", resp.headers.get("Content-Range") or "")
        if match and int(match.group(1)) == start:
            total = _total_size(match.group(0))
            return start, total if total is not None else (start + length if length is not None else None)
    return 0, length


def _total_size(content_range: str | None) -> int | None:
    match = re.search(r"/(\d+)\s*$", content_range or "")
    return int(match.group(1)) if match else None


def _copy(resp, part: Path, offset: int, total: int | None, url: str, progress: bool) -> None:
    import http.client

    done = offset
    try:
        with open(part, "ab" if offset else "wb") as fh, _bar(f"downloading {part.name[:-5]}", total, offset, progress) as advance:
            for chunk in iter(lambda: resp.read(CHUNK), b""):
                fh.write(chunk)
                done += len(chunk)
                advance(len(chunk))
    except (OSError, http.client.HTTPException) as exc:
        raise DataError(f"download of {url} interrupted after {done} bytes ({_reason(exc)}); {_kept(part)}") from None
    except KeyboardInterrupt:
        raise DataError(f"download of {url} stopped by the user after {done} bytes; {_kept(part)}") from None
    if total is not None and done != total:
        raise DataError(f"download of {url} interrupted: got {done} of {total} bytes; {_kept(part)}")


def _kept(part: Path) -> str:
    size = part.stat().st_size if part.exists() else 0
    if size:
        return f"the partial file {part} ({size} bytes) is kept; rerun the same command to resume"
    return "nothing was saved; check the address and the connection, or pass --url MIRROR"


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return " ".join(str(reason).split())


@contextmanager
def _bar(description: str, total: int | None, completed: int, show: bool):
    """A rich progress bar on stderr; yields `advance(n)`."""
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total, completed=completed)
        yield lambda n: bar.advance(task, n)


# --- safe, atomic extraction --------------------------------------------------------------------

def extract(archive: Path, root: Path, folders, require_all: bool = True, progress: bool = False) -> list[Path]:
    """Unpack `<top>/data/<DS>/...` of `archive` into `root/<DS>/` for each DS in `folders`.

    With `require_all` every folder must be present; otherwise those present are
    unpacked (at least one). Returns the folders written.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _select(zf, archive, folders, require_all)
            tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=root))
            try:
                _write(zf, members, tmp, archive, progress)
                return [_install(tmp / ds, root / ds) for ds in members]
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{archive} is not a valid zip archive ({exc}); delete it and download again") from None
    except OSError as exc:
        raise DataError(f"unpacking {archive} into {root} failed ({_reason(exc)}); no unfinished folder was moved into place") from None


def _select(zf: zipfile.ZipFile, archive: Path, folders, require_all: bool) -> dict:
    """{DS: [(member, path inside DS)]} for the wanted folders, after a safety check of every member."""
    found = {ds: [] for ds in folders}
    for info in zf.infolist():
        parts = _safe_parts(info, archive)
        if info.is_dir():
            continue
        for i in range(len(parts) - 2):
            if parts[i] == "data" and parts[i + 1] in found:
                found[parts[i + 1]].append((info, PurePosixPath(*parts[i + 2:])))
                break
    present = {ds: m for ds, m in found.items() if m}
    for ds in (folders if require_all else present) or folders[:1]:
        names = {str(path) for _, path in found[ds]}
        for required in REQUIRED_FILES:
            if required not in names:
                raise DataError(f"{archive} has no data/{ds}/{required}; expected the xlsa17 layout "
                                f"<top>/data/<DS>/{{{','.join(REQUIRED_FILES)}}}")
    return present


def _safe_parts(info: zipfile.ZipInfo, archive: Path) -> tuple[str, ...]:
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts or is_link:
        raise DataError(f"{archive} holds an unsafe member {info.filename!r} (a link or a path escaping "
                        f"the data root); refusing to unpack it")
    return parts


def _write(zf: zipfile.ZipFile, members: dict, tmp: Path, archive: Path, progress: bool) -> None:
    total = sum(info.file_size for items in members.values() for info, _ in items)
    with _bar("unpacking", total, 0, progress) as advance:
        for ds, items in members.items():
            for info, inner in items:
                dest = tmp / ds / inner
                if not dest.resolve().is_relative_to(tmp.resolve()):
                    raise DataError(f"{archive} member {info.filename!r} escapes the data root; refusing to unpack it")
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
                advance(info.file_size)


def _install(src: Path, dest: Path) -> Path:
    """Move an unpacked folder into place: one rename, or one rename per file if `dest` exists."""
    if dest.exists() and not dest.is_dir():
        raise DataError(f"{dest} exists and is not a folder; move it away and rerun")
    if not dest.exists():
        os.replace(src, dest)
        return dest
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        out = dest / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, out)
    return dest
