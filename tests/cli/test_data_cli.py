"""`zslkit data list` and `zslkit data info` through the real entry point, bad inputs included."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from zslkit.cli import main


def zslkit(capsys, *args):
    """Run `zslkit ARGS` in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    captured = capsys.readouterr()
    return exc.value.code, captured.out, captured.err


def test_info_awa1_prints_the_published_split(capsys, awa1_root):
    code, out, _ = zslkit(capsys, "data", "info", "awa1", "--data-root", str(awa1_root))
    assert code == 0
    assert "50 (seen 40, unseen 10, validation 13 of the seen)" in out
    assert "trainval 19832, test_seen 4958, test_unseen 5685" in out
    assert "attribute dim  85" in out and "feature dim    16" in out
    assert "removed 3404 test_seen images from train_loc (leak in older xlsa17)" in out
    assert str(awa1_root / "AWA1") in out


def test_info_cub_newer_files_use_valclasses1(capsys, xlsa17_folder):
    code, out, _ = zslkit(capsys, "data", "info", "cub", "--data-root", str(xlsa17_folder("cub", feature_dim=4)))
    assert code == 0 and "200 (seen 150, unseen 50, validation 50 of the seen)" in out
    assert "trainval 7057, test_seen 1764, test_unseen 2967" in out
    assert "validation classes: 50 classes from valclasses1.txt" in out and "leak" not in out


def test_info_sun_older_files_report_the_removed_leak(capsys, xlsa17_folder):
    code, out, _ = zslkit(capsys, "data", "info", "sun", "--data-root", str(xlsa17_folder("sun", feature_dim=4)))
    assert code == 0 and "717 (seen 645, unseen 72, validation 65 of the seen)" in out
    assert "trainval 10320, test_seen 2580, test_unseen 1440" in out
    assert "removed 2320 test_seen images from train_loc (leak in older xlsa17)" in out


def test_info_passes_dataset_options(capsys, xlsa17_folder, monkeypatch):
    monkeypatch.setenv("ZSLKIT_DATA", str(xlsa17_folder("apy", feature_dim=4, class_lists=False)))
    code, out, _ = zslkit(capsys, "data", "info", "apy", "--set", "apy.val_seed=5", "--set", "apy.val_fraction=0.4")
    assert code == 0 and "validation classes: 8 of 20 seen classes drawn with seed 5" in out


def test_list_shows_which_files_are_present(capsys, awa1_root, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = zslkit(capsys, "data", "list", "--data-root", str(awa1_root))
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") >= 3}
    assert code == 0 and "present" in rows["awa1"] and "missing" in rows["cub"]
    assert "not needed" in rows["synthetic"] and "Animals with Attributes 1" in rows["awa1"]


def test_list_imports_neither_torch_nor_scipy(awa1_root):
    code = ("import sys\nfrom zslkit.cli import main\ntry:\n    main(['data', 'list', '--data-root', %r])\n"
            "except SystemExit as e:\n    assert e.code == 0\n"
            "print('HEAVY', sorted(m for m in ('torch', 'scipy') if m in sys.modules))") % str(awa1_root)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def copy_real_att_splits(shared, root, ds):
    (root / ds).mkdir(parents=True)
    shutil.copyfile(shared / "xlsa17" / ds / "att_splits.mat", root / ds / "att_splits.mat")


def garbage_res101(folder):
    (folder / "res101.mat").write_bytes(b"<html>403 Forbidden</html>" * 8)


# (how to break a tiny xlsa17 folder used as `custom`, expected message)
BAD_FOLDERS = [
    (dict(drop=["labels"]), r"res101.mat has no key 'labels' \(found: features\); expected keys features, labels"),
    (dict(res={"features": np.ones((4, 49))}), r"'features' has shape \(4, 49\) for 50 labels; expected D×N"),
    (dict(splits={"trainval_loc": np.arange(24)[:, None]}), r"'trainval_loc' contains 0, so it looks 0-based; expected 1..50"),
    (dict(splits={"test_seen_loc": np.array([[1], [9]])}), r"trainval and test_seen overlap in 1 samples \(e.g. sample 0\); expected disjoint"),
    (dict(res={"features": np.full((4, 50), np.nan)}), r"features contain nan at row 0, column 0; expected finite values"),
    ("garbage", r"res101.mat is not a MATLAB .mat file \(Unknown mat file type"),
]


@pytest.mark.parametrize("breakage, message", BAD_FOLDERS)
def test_bad_files_exit_with_one_line(capsys, tmp_path, tiny_xlsa17, breakage, message):
    folder = tiny_xlsa17(tmp_path / "mine", **(breakage if isinstance(breakage, dict) else {}))
    if breakage == "garbage":
        garbage_res101(folder)
    code, _, err = zslkit(capsys, "data", "info", "custom", "--set", f"custom.path={folder}")
    assert_one_line_error(code, err, message)
    assert str(folder) in err


@pytest.mark.parametrize("args, message", [
    (["data", "info", "awa"], r"unknown dataset 'awa' \(did you mean 'awa\d'\?\); installed: apy, awa1"),
    (["data", "info", "apy", "--set", "apy.val_sed=1"], r"dataset 'apy' has no option 'val_sed' \(did you mean 'val_seed'\?\)"),
    (["data", "info", "apy", "--set", "data.split_seed=1"], r"--set 'data.split_seed=1': `zslkit data info apy` takes only apy.KEY=VALUE"),
    (["data", "info", "apy", "--set", "apy.val_seed"], r"--set 'apy.val_seed': expected apy.KEY=VALUE"),
    (["data", "info", "custom"], r"custom dataset needs --set custom.path=FILE_OR_DIR"),
])
def test_bad_names_and_options(capsys, args, message):
    code, _, err = zslkit(capsys, *args)
    assert_one_line_error(code, err, message)


def test_missing_dataset_folder_says_where_it_looked(capsys, tmp_path):
    code, _, err = zslkit(capsys, "data", "info", "awa1", "--data-root", str(tmp_path))
    assert_one_line_error(code, err, r"dataset 'awa1' not found: looked for .*AWA1; get it with `zslkit data download awa1`")
    assert str(tmp_path / "AWA1") in err


def test_missing_res101_says_where_it_looked(capsys, tmp_path, shared_data):
    copy_real_att_splits(shared_data, tmp_path, "CUB")
    code, _, err = zslkit(capsys, "data", "info", "cub", "--data-root", str(tmp_path))
    assert_one_line_error(code, err, r"CUB/res101.mat not found; get it with `zslkit data download cub` or copy")
    assert str(tmp_path / "CUB" / "res101.mat") in err


def assert_one_line_error(code, err, message):
    assert code != 0 and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert re.search(message, err), err


def test_unwritable_data_root_fails_before_any_download(capsys, tmp_path):
    (tmp_path / "a_file").write_text("")
    code, _, err = zslkit(capsys, "data", "download", "awa1", "--data-root", str(tmp_path / "a_file" / "data"), "-q")
    assert_one_line_error(code, err, r"data root .*a_file/data is not writable: .*; choose another with --data-root DIR")
