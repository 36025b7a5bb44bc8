"""The table exporter: Turkish text intact, numbers as numbers, no formula injection."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cinar.insights.exports import csv_lines, filename, plain, safe_text, table_response

HEADER = ["Hizmet", "Başvuru", "Süre (gün)", "Tarih"]
ROWS = [
    ["Yapı Ruhsatı (E-İmar) – İŞĞÜÇÖ ığüşöç", 1234, 12.5, dt.date(2026, 3, 1)],
    ['=HYPERLINK("http://evil","x")', -7, Decimal("3.25"), None],
    ["+90 532", 0, None, dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)],
    ["@SUM(A1)", 1, 2.0, ""],
    ["-1+1", 2, 3, "\tcmd"],
]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("İstanbul", "İstanbul"),
        ("a=b", "a=b"),
        ("bell\x07", "bell"),
    ],
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected


def test_plain_keeps_numbers_and_makes_datetimes_local():
    assert plain(-7) == -7 and plain(12.5) == 12.5 and plain(Decimal("3.25")) == Decimal("3.25")
    assert plain(None) is None and plain(True) is True
    aware = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    local = plain(aware)
    assert local.tzinfo is None
    assert local == timezone.localtime(aware).replace(tzinfo=None)


def test_csv_has_bom_turkish_text_and_guarded_cells():
    text = "".join(csv_lines(HEADER, ROWS))
    assert text.startswith("\ufeffHizmet,Başvuru,Süre (gün),Tarih")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["Yapı Ruhsatı (E-İmar) – İŞĞÜÇÖ ığüşöç", "1234", "12.5", "2026-03-01"]
    assert rows[2][0].startswith("'=HYPERLINK") and rows[2][1] == "-7" and rows[2][3] == ""
    assert rows[3][0] == "'+90 532" and rows[3][3].startswith("2026-03-01 ")
    assert rows[4][0] == "'@SUM(A1)"
    assert rows[5][0] == "'-1+1" and rows[5][3] == "'\tcmd"


def test_xlsx_numbers_are_numbers_text_is_never_a_formula():
    response = table_response(fmt="xlsx", name="hizmetler", header=HEADER, rows=ROWS, title="Ş")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="hizmetler.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][0] == "Yapı Ruhsatı (E-İmar) – İŞĞÜÇÖ ığüşöç"
    assert values[1][1] == 1234 and isinstance(values[1][1], int)
    assert values[1][2] == 12.5
    assert values[1][3].date() == dt.date(2026, 3, 1)
    assert values[2][0].startswith("'=") and values[2][1] == -7
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value!r}"
    assert sheet["A1"].font.bold


def test_csv_response_whole_or_streamed():
    whole = table_response(fmt="csv", name="x y/ü", header=["a"], rows=[[1]])
    assert whole.content.decode("utf-8-sig") == "a\r\n1\r\n"
    assert 'filename="x-y-u.csv"' in whole["Content-Disposition"]
    streamed = table_response(fmt="csv", name="x", header=["a"], rows=iter([[1], [2]]), stream=True)
    assert b"".join(streamed.streaming_content).decode("utf-8-sig") == "a\r\n1\r\n2\r\n"
    with pytest.raises(ValueError):
        table_response(fmt="pdf", name="x", header=[], rows=[])


def test_filename_is_ascii():
    assert filename("insights-Şube 1/İş", "csv") == "insights-Sube-1-Is.csv"
    assert filename("ﷺ", "xlsx") == "table.xlsx"
