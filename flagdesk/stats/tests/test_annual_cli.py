"""``flagdesk annual-report``: the four formats, to a file or standard output, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from flagdesk.organisation.services.designations import current_organisation

from .annual_data import build_year

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def year(users):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 0
    org.independence_procedures = "Our board has no member working for a platform."
    org.save()


def test_json_and_csv_to_files(year, tmp_path):
    call_command("annual_report", year="2025", fmt="json", output=str(tmp_path / "r.json"))
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["totals"] == {
        **data["totals"],
        "notices": 4,
        "items": 7,
    }
    call_command("annual_report", year="2025", fmt="csv", output=str(tmp_path / "r.csv"))
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "year,status,provider,type,tdb_category,action,items,suppressed"
    assert "2025,draft,Alpha,ncii,STATEMENT_CATEGORY_CYBER_VIOLENCE,refused,1,false" in lines
    # One row per provider x type x action: Alpha 2 types, Beta 2, Other 1; six actions.
    assert len(lines) == 1 + 5 * 6


def test_html_in_another_language(year, tmp_path):
    call_command(
        "annual_report", year="2025", fmt="html", output=str(tmp_path / "r.html"), language="fr"
    )
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert "<svg" in html and "Our board has no member" in html


def test_pdf_to_standard_output_renders_as_a_page(year, tmp_path, capfdbinary):
    call_command("annual_report", year="2025", fmt="pdf")
    pdf = capfdbinary.readouterr().out
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "r.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    [png] = list(tmp_path.glob("p*.png"))
    with Image.open(png) as page:
        low, high = page.convert("L").getextrema()
    assert low < 128 < high  # text on a white page: not blank


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"year": "1999", "fmt": "json"}, "choose a year from 2000"),
        ({"year": "next", "fmt": "json"}, "four digits"),
        ({"year": "2025", "fmt": "docx"}, "Unknown format"),
        ({"year": "2025", "fmt": "json", "language": "es"}, "Unknown language"),
    ],
)
def test_bad_arguments_are_refused_with_exit_code_2(options, message):
    with pytest.raises(CommandError) as refused:
        call_command("annual_report", **options)
    assert message in str(refused.value)
    assert refused.value.returncode == 2


def test_the_console_script_exits_with_2_for_a_bad_format():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flagdesk.site.cli",
            "annual-report",
            "--year",
            "2025",
            "--format",
            "odt",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Unknown format odt" in result.stderr
