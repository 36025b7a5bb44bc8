"""Rebuild units.xlsx from units.csv.

.venv/bin/python cinar/organization/samples/build_xlsx.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent


def main() -> None:
    with (HERE / "units.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Birimler"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 50
    workbook.save(HERE / "units.xlsx")


if __name__ == "__main__":
    main()
