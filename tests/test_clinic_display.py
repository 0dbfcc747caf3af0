"""Clinic tables in a terminal: aligned columns, and a long column wrapped within its cell."""

from __future__ import annotations

import pytest

from kinecheck.cli.clinic_display import print_table

FINDINGS = "Limited hip mobility (likely), Limited ankle mobility (possible)"


def table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    print_table(["ID", "FINDINGS", "SCORES"], [["1", FINDINGS, "-"], ["22", "none", "LEFS 40"]])
    return capsys.readouterr().out


def test_a_table_that_fits_keeps_one_line_per_row(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = table(capsys, monkeypatch, 120).splitlines()
    assert lines == [
        "ID  FINDINGS" + " " * (len(FINDINGS) - 8) + "  SCORES",
        f"1   {FINDINGS}  -",
        "22  none" + " " * (len(FINDINGS) - 4) + "  LEFS 40",
    ]


def test_the_widest_column_wraps_within_its_cell_in_a_narrow_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = table(capsys, monkeypatch, 40).splitlines()
    assert all(len(line) < 40 for line in lines), lines
    # the findings stay in their column, one piece under the other, nothing lost
    column = lines[0].index("FINDINGS")
    pieces = [line[column:].split("  ")[0] for line in lines[1:-1]]
    assert " ".join(p.strip() for p in pieces) == FINDINGS
    assert lines[1].startswith("1   ") and lines[1].rstrip().endswith("-")
    assert lines[-1].startswith("22  none") and lines[-1].endswith("LEFS 40")
