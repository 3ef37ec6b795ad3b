"""The documented format and the code agree."""
import re
from pathlib import Path

from vigvision.result import SIGNAL_COLUMNS, schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "output-format.md"


def test_signal_columns_are_documented():
    text = DOC.read_text()
    documented = []
    for row in re.findall(r"^\| `([^|]+)` \|", text.split("## signals.parquet")[1], flags=re.M):
        documented += [c.strip(" `") for c in row.split(",")]
    assert documented == [name for name, _, _ in SIGNAL_COLUMNS]


def test_top_level_keys_are_documented():
    text = DOC.read_text().split("## analysis.json")[1].split("Field notes")[0]
    for key in schema()["required"]:
        assert re.search(rf"^{key}\s", text, flags=re.M), key
