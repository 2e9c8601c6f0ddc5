"""Aggregation by hand: mean ± sample std (ddof=1), published deltas, protocol labels, writers."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from zslkit.bench import aggregate
from zslkit.bench.cells import Cell
from zslkit.bench.published import PublishedRef
from zslkit.bench.suite import MethodSpec


def test_mean_and_sample_std_by_hand():
    stat = aggregate.mean_std([1.0, 2.0, 3.0, 4.0])
    assert stat.mean == 2.5 and stat.n == 4
    assert stat.std == pytest.approx(math.sqrt(5 / 3))  # ddof=1: sum of squares 5 over n-1 = 3
    assert stat.std != pytest.approx(math.sqrt(5 / 4))  # not the population std
    one = aggregate.mean_std([7.0, None, float("nan")])
    assert (one.mean, one.std, one.n) == (7.0, None, 1)
    assert aggregate.mean_std([]).mean is None


def _cell(method: MethodSpec, seed: int, selection="validation", classifier="softmax", dataset="awa1") -> Cell:
    return Cell(method, dataset, seed, (), f"{method.name}-{dataset}-{seed}", ("acgan", "pivot", "resgen"),
                selection, classifier)


def _metrics(selection="validation", classifier="softmax", **values) -> dict:
    return {"result": {"selection": selection, "classifier": classifier, **values}}


RUNS = [dict(T1=60.0, U=30.0, S=80.0, H=40.0, cs_H=45.0, AUSUC=0.30),
        dict(T1=62.0, U=34.0, S=82.0, H=44.0, cs_H=47.0, AUSUC=0.34)]


def _rows():
    base = MethodSpec("baseline", "SR-GAN:baseline", "", (), PublishedRef("srgan_table2", "SR-GAN:baseline"))
    tst = MethodSpec("tst", "test row", "", ("selection.mode=test",))
    cells = [_cell(base, 0), _cell(base, 1), _cell(base, 2), _cell(tst, 0, "test")]
    metrics = {cells[0].key: _metrics(**RUNS[0]), cells[1].key: _metrics(**RUNS[1]),
               cells[3].key: _metrics("test", extra={"srn/rect_seen_s": 0.2, "srn/rect_seen_rs": 0.5}, **RUNS[0])}
    return aggregate.build_rows(cells, metrics)  # cells[2] failed: no metrics


def test_rows_hold_means_published_figures_and_deltas():
    base, tst = _rows()
    assert base.seeds == [0, 1] and base.expected == 3
    h = base.stats["H"]
    assert (h.mean, h.published) == (42.0, 48.48) and h.delta == pytest.approx(42.0 - 48.48)
    assert h.std == pytest.approx(math.sqrt(8.0))  # (2^2 + 2^2) / (2 - 1)
    assert base.stats["cs_H"].published is None and base.stats["AUSUC"].mean == pytest.approx(0.32)
    assert "Ye et al." in base.cite and base.rect == {}
    assert tst.protocol == "test-selected, softmax" and base.protocol == "validation, softmax"
    assert tst.rect["srn/rect_seen_rs"].mean == 0.5 and tst.rect["srn/diag_unseen_s"].mean is None


def test_formatting_by_hand():
    base, _ = _rows()
    assert aggregate.fmt_stat(base.stats["H"], "H") == "42.00 ± 2.83"
    assert aggregate.fmt_stat(base.stats["AUSUC"], "AUSUC") == "0.3200 ± 0.0283"
    assert aggregate.fmt_published(base.stats["H"]) == "paper 48.48, Δ -6.48"
    assert aggregate.fmt_stat(aggregate.mean_std([5.0]), "T1") == "5.00"


def test_markdown_states_protocol_of_every_row_and_the_published_figures():
    rows = _rows()
    text = aggregate.markdown(rows, "t", ["note"])
    lines = [ln for ln in text.splitlines() if ln.startswith("| ")]
    assert lines[0].startswith("| method | dataset | protocol | seeds | T1 | U | S | H | cs_H | AUSUC | rect seen s")
    assert "| SR-GAN:baseline | awa1 | validation, softmax | 2/3 | 61.00 ± 1.41 (paper 69.13, Δ -8.13) |" in lines[1]
    assert "| test row | awa1 | test-selected, softmax | 1/1 |" in lines[2]
    assert "Ye et al., SR-GAN, ICME 2019" in text
    assert aggregate.mixed_datasets(rows) == ["awa1"]


def test_csv_and_json_carry_the_same_numbers():
    rows = _rows()
    table = list(csv.DictReader(io.StringIO(aggregate.to_csv(rows))))
    assert table[0]["H_mean"] == "42.0" and table[0]["H_published"] == "48.48" and table[0]["seeds"] == "0 1"
    assert float(table[0]["H_delta"]) == pytest.approx(-6.48) and table[1]["test_selected"] == "True"
    data = json.loads(aggregate.to_json(rows, {"suite": "x"}))
    assert data["suite"] == "x" and "ddof=1" in data["spread"]
    assert data["rows"][0]["metrics"]["H"]["published"] == 48.48 and data["rows"][1]["test_selected"] is True
    assert data["rows"][1]["rectification"]["srn/rect_seen_s"]["mean"] == 0.2


def test_rich_tables_render_with_published_lines():
    from rich.console import Console

    console = Console(width=80, record=True)
    for table in aggregate.rich_tables(_rows(), "title"):
        console.print(table)
    text = console.export_text()
    assert "p 48.48" in text and "Δ -6.48" in text and "test-selected," in text and "seen R(s)" in text
    assert max(len(line) for line in text.splitlines()) <= 80
