"""`zslkit data download` against a local HTTP server on 127.0.0.1 (never the internet)."""

import hashlib
import io
import re
import socket
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import scipy.io

from zslkit.cli import main
from zslkit.datasets.download import ARCHIVES, DOWNLOADS


def mat_bytes(arrays) -> bytes:
    buf = io.BytesIO()
    scipy.io.savemat(buf, arrays)
    return buf.getvalue()


def make_zip(extra=()) -> bytes:
    """A small archive in the xlsa17 layout, big enough (~300 KB, incompressible) for several chunks."""
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xlsa17/readme.txt", "tiny test copy\n")
        for ds, n in (("AWA1", 12), ("CUB", 9)):
            res = {"features": rng.standard_normal((16, 1000)), "labels": np.arange(1, 1001).reshape(-1, 1) % n + 1}
            att = {"att": rng.random((5, n)), "trainval_loc": np.arange(1, 11).reshape(-1, 1)}
            zf.writestr(f"xlsa17/data/{ds}/res101.mat", mat_bytes(res))
            zf.writestr(f"xlsa17/data/{ds}/att_splits.mat", mat_bytes(att))
            zf.writestr(f"xlsa17/data/{ds}/trainvalclasses.txt", "a\nb\n")
        for name, data in extra:
            zf.writestr(name, data)
    return buf.getvalue()


ARCHIVE = make_zip()
DIGEST = hashlib.sha256(ARCHIVE).hexdigest()


class Server:
    """What the handler serves and what it saw."""

    def __init__(self, body: bytes):
        self.body = body
        self.honor_range = True
        self.drop_after = None  # send only this many body bytes once, then close
        self.requests = []  # (path, Range header)


def make_handler(state: Server):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            rng = self.headers.get("Range")
            state.requests.append((self.path, rng))
            if self.path != "/xlsa17.zip":
                self.send_error(404)
                return
            body, start = state.body, 0
            match = re.fullmatch(r"bytes=(\d+)-", rng or "")
            if match and state.honor_range:
                start = int(match.group(1))
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            payload = body[start:]
            if state.drop_after is not None:
                payload, state.drop_after = payload[: state.drop_after], None
            self.wfile.write(payload)
            self.wfile.flush()

    return Handler


@pytest.fixture
def server():
    state = Server(ARCHIVE)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/xlsa17.zip"
    yield state
    httpd.shutdown()
    httpd.server_close()


def run(*args, quiet=True):
    with pytest.raises(SystemExit) as exc:
        main(["data", "download", *args] + (["--quiet"] if quiet else []))
    return exc.value.code


def error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def part_of(root):
    return root / DOWNLOADS / "xlsa17.zip.part"


def assert_unpacked(root, ds="AWA1"):
    with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as zf:
        for name in ("res101.mat", "att_splits.mat", "trainvalclasses.txt"):
            assert (root / ds / name).read_bytes() == zf.read(f"xlsa17/data/{ds}/{name}")
    assert scipy.io.loadmat(str(root / ds / "res101.mat"))["features"].shape == (16, 1000)
    assert not list(root.glob(".extract-*")), "temporary folder removed"


def test_full_download_checks_and_unpacks(server, tmp_path, capsys):
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST, quiet=False) == 0
    assert_unpacked(tmp_path)
    assert not (tmp_path / "CUB").exists(), "only the named dataset is unpacked"
    assert (tmp_path / DOWNLOADS / "xlsa17.zip").read_bytes() == ARCHIVE and not part_of(tmp_path).exists()
    assert server.requests == [("/xlsa17.zip", None)]
    assert DIGEST in capsys.readouterr().out


def test_published_address_and_url_override(server, tmp_path):
    assert ARCHIVES["xlsa17"].url == "https://datasets.d2.mpi-inf.mpg.de/xian/xlsa17.zip"
    assert run("xlsa17", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST, "--remove-archive") == 0
    assert_unpacked(tmp_path, "AWA1")
    assert_unpacked(tmp_path, "CUB")
    assert not (tmp_path / DOWNLOADS / "xlsa17.zip").exists()
    assert [path for path, _ in server.requests] == ["/xlsa17.zip"]


def test_resume_truncated_partial_with_range(server, tmp_path):
    part_of(tmp_path).parent.mkdir(parents=True)
    part_of(tmp_path).write_bytes(ARCHIVE[:100_000])
    assert run("cub", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 0
    assert server.requests == [("/xlsa17.zip", "bytes=100000-")]
    assert_unpacked(tmp_path, "CUB")


def test_server_ignoring_range_restarts(server, tmp_path):
    server.honor_range = False
    part_of(tmp_path).parent.mkdir(parents=True)
    part_of(tmp_path).write_bytes(b"x" * 5000)  # not a prefix: appending would corrupt the archive
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 0
    assert server.requests == [("/xlsa17.zip", "bytes=5000-")]
    assert_unpacked(tmp_path)


def test_interrupted_download_keeps_partial_and_resumes(server, tmp_path, capsys):
    server.drop_after = 120_000
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 2
    err = error_line(capsys)
    assert "interrupted" in err and "rerun the same command to resume" in err
    size = part_of(tmp_path).stat().st_size
    assert 0 < size < len(ARCHIVE) and not (tmp_path / "AWA1").exists()
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 0
    assert server.requests[-1] == ("/xlsa17.zip", f"bytes={size}-")
    assert_unpacked(tmp_path)


def test_checksum_mismatch_keeps_file_and_never_unpacks(server, tmp_path, capsys):
    wrong = "0" * 64
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", wrong) == 2
    err = error_line(capsys)
    assert "sha256 mismatch" in err and DIGEST in err and str(part_of(tmp_path)) in err
    assert part_of(tmp_path).read_bytes() == ARCHIVE
    assert not (tmp_path / "AWA1").exists() and not (tmp_path / DOWNLOADS / "xlsa17.zip").exists()
    assert not list(tmp_path.glob(".extract-*"))
    # the kept file is complete: the rerun's Range request gets 416 and nothing is downloaded again
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 0
    assert server.requests[-1] == ("/xlsa17.zip", f"bytes={len(ARCHIVE)}-")
    assert_unpacked(tmp_path)


def test_without_checksum_records_one_and_checks_kept_archive(server, tmp_path, capsys):
    assert run("awa1", "--data-root", str(tmp_path), "--url", server.url) == 0
    out = capsys.readouterr().out
    assert "no published sha256" in out and f"--sha256 {DIGEST}" in out
    record = tmp_path / DOWNLOADS / "xlsa17.zip.sha256"
    assert record.read_text().split()[0] == DIGEST
    assert run("cub", "--data-root", str(tmp_path), "--url", server.url) == 0
    assert len(server.requests) == 1, "the kept archive is reused"
    assert_unpacked(tmp_path, "CUB")
    with open(tmp_path / DOWNLOADS / "xlsa17.zip", "ab") as fh:
        fh.write(b"damage")
    assert run("cub", "--data-root", str(tmp_path), "--url", server.url) == 2
    assert "sha256 mismatch" in error_line(capsys)


def test_unwritable_data_root(server, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert run("awa1", "--data-root", str(blocker / "data"), "--url", server.url) == 2
    assert "not writable" in error_line(capsys)
    assert server.requests == []


def test_unsafe_member_is_refused(server, tmp_path, capsys):
    server.body = make_zip(extra=[("xlsa17/data/AWA1/../../../evil.txt", "x")])
    root = tmp_path / "root"
    assert run("awa1", "--data-root", str(root), "--url", server.url) == 2
    assert "unsafe member" in error_line(capsys)
    assert not list(tmp_path.rglob("evil.txt")) and not (root / "AWA1").exists()


def test_archive_without_the_dataset(server, tmp_path, capsys):
    assert run("sun", "--data-root", str(tmp_path), "--url", server.url, "--sha256", DIGEST) == 2
    assert "has no data/SUN/res101.mat" in error_line(capsys)
    assert not (tmp_path / "SUN").exists()


def test_unreachable_server(tmp_path, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    assert run("awa1", "--data-root", str(tmp_path), "--url", f"http://127.0.0.1:{port}/xlsa17.zip") == 2
    err = error_line(capsys)
    assert "cannot reach" in err and "nothing was saved" in err


@pytest.mark.parametrize("args, expected", [
    (["cubb"], "did you mean 'cub'"),
    (["awa1", "--sha256", "abc"], "64 hexadecimal digits"),
])
def test_bad_arguments(tmp_path, capsys, args, expected):
    assert run(*args, "--data-root", str(tmp_path)) == 2
    assert expected in error_line(capsys)


def test_no_torch_import():
    code = ("import sys, zslkit.cli.data_download, zslkit.datasets.download; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
