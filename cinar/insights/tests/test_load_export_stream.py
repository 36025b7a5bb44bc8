"""The large drill-down exports the 1M walk makes (``bench/walk_insights_million.py``):
their XLSX is streamed by ``xlsx_chunks`` and must be the same workbook openpyxl writes."""

import datetime as dt
import io

from openpyxl import load_workbook

from cinar.insights.exports import table_response
from cinar.insights.tests.test_exports import HEADER, ROWS


def test_streamed_xlsx_is_the_same_workbook_sent_in_pieces():
    """Large drill-down lists stream their XLSX (``xlsx_chunks``): openpyxl reads the
    same values, types and header as from the whole-file writer, never a formula."""
    rows = [*ROWS, *([f"Z{i:010d}", i, i / 4, dt.datetime(2026, 3, 1, 9, 30)] for i in range(4500))]
    response = table_response(
        fmt="xlsx", name="basvurular", header=HEADER, rows=iter(rows), title="Ş", stream=True
    )
    assert response.streaming and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    chunks = list(response.streaming_content)
    assert len(chunks) > 3  # sent as written, not at the end
    streamed = load_workbook(io.BytesIO(b"".join(chunks))).active
    whole = load_workbook(
        io.BytesIO(
            table_response(fmt="xlsx", name="b", header=HEADER, rows=rows, title="Ş").content
        )
    ).active
    assert streamed.title == whole.title
    got = [[c.value for c in r] for r in streamed.iter_rows()]
    assert got == [[c.value for c in r] for r in whole.iter_rows()]
    assert got[1][1] == 1234 and isinstance(got[1][1], int)
    assert got[-1][3] == dt.datetime(2026, 3, 1, 9, 30)
    assert len(got) == len(rows) + 1
    for row in streamed.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
    assert streamed["A1"].font.bold and streamed.freeze_panes == "A2"
