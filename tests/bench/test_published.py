"""Published tables: shipped as data, transcribed exactly, looked up and compared (delta)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from zslkit.bench.published import PublishedRef, available_tables, delta, load_table, lookup
from zslkit.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
DATASETS = ("awa1", "cub", "apy", "sun")


def paper_text() -> str:
    """The SR-GAN paper text from the shared folder (skips when absent)."""
    shared = Path(os.environ.get("ZSLKIT_TEST_DATA", REPO.parent / "shared" / "data")).parent
    path = shared / "paper" / "sr-gan.txt"
    if not path.is_file():
        pytest.skip(f"SR-GAN paper text not found at {path} (set ZSLKIT_TEST_DATA to the shared data folder)")
    return path.read_text(encoding="utf-8")


def paper_rows(text: str, caption: str) -> dict[str, list[str]]:
    """Rows of the table under `caption`: name -> its 16 printed numbers (T1 x4, then U S H x4)."""
    lines = text[text.index(caption):].splitlines()[1:]
    rows = {}
    for line in lines:
        tokens = line.split()
        if line.startswith("Table") or (rows and len(tokens) < 17):
            break
        if len(tokens) >= 17 and all(re.fullmatch(r"-|\d+(\.\d+)?", t) for t in tokens[-16:]):
            rows[tokens[0] if tokens[1].startswith("[") else " ".join(tokens[:-16])] = tokens[-16:]
    return rows


def as_printed(table, row: str) -> list[float | None]:
    values = table.rows[row]
    t1 = [values[d]["T1"] for d in DATASETS]
    return t1 + [values[d][m] for d in DATASETS for m in ("U", "S", "H")]


@pytest.mark.parametrize("name, caption", [("srgan_table1", "Table 1. Comparison"), ("srgan_table2", "Table 2. Effects")])
def test_tables_match_the_paper_exactly(name, caption):
    table = load_table(name)
    printed = paper_rows(paper_text(), caption)
    assert list(printed) == list(table.rows)  # every row, in the paper's order
    for row, numbers in printed.items():
        assert as_printed(table, row) == [None if n == "-" else float(n) for n in numbers], row
    assert table.citation["arxiv"] == "1904.06996" and caption in table.citation["table"]


def test_shipped_tables_have_citations():
    assert {"srgan_table1", "srgan_table2", "fclswgan"} <= set(available_tables())
    for name in available_tables():
        table = load_table(name)
        assert table.citation.get("title") and table.citation.get("year") and table.cite


def test_fclswgan_numbers_are_consistent_with_their_harmonic_mean():
    rows = load_table("fclswgan").rows["f-CLSWGAN"]
    assert rows["cub"] == {"T1": 57.3, "U": 43.7, "S": 57.7, "H": 49.7}
    for values in rows.values():
        assert 2 * values["U"] * values["S"] / (values["U"] + values["S"]) == pytest.approx(values["H"], abs=0.05)


def test_lookup_and_delta_by_hand():
    pub = lookup(PublishedRef("srgan_table2", "SR-GAN:baseline+rec+SRN"), "awa1")
    assert pub.get("H") == 55.31 and pub.get("T1") == 71.97 and "Table 2" in pub.cite
    assert delta(50.0, pub.get("H")) == pytest.approx(-5.31)
    assert delta(None, 1.0) is None and delta(1.0, None) is None
    assert lookup(PublishedRef("fclswgan", "f-CLSWGAN"), "apy").values == {}  # the paper has no aPY numbers
    assert lookup(PublishedRef("srgan_table1", "PSR"), "awa1").get("T1") is None  # printed as "-"
    assert lookup(None, "awa1").values == {}


def test_unknown_table_is_a_one_line_error():
    with pytest.raises(ConfigError, match=r"unknown published table 'srgan_tabel1' \(did you mean 'srgan_table1'\?\)"):
        load_table("srgan_tabel1")
