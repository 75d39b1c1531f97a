"""Reruns of chapters 07 and 08 on partial company data: sections whose tables are missing are
skipped with a visible note, the rest runs, and the report keeps its key tables."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from opskit.sim import DEMO_DIR


def _run(chapter: str, data, out):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", "run", chapter, "--data", str(data),
                           "--out", str(out)], capture_output=True, text=True, timeout=900)


def _markdown(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)


@pytest.mark.parametrize("chapter, stem, files", [
    ("07", "07_private_domain", ["orders", "wecom_members", "wecom_touches"]),
    ("08", "08_category", ["orders", "order_lines"]),
])
def test_topic_chapters_rerun_on_partial_data(chapter, stem, files, tmp_path):
    data = tmp_path / "company"
    data.mkdir()
    for name in files:
        frame = pd.read_csv(DEMO_DIR / f"{name}.csv")
        if name == "wecom_members":
            frame = frame.drop(columns=["source"])       # an optional column the company does not have
        frame.to_csv(data / f"{name}.csv", index=False)
    out = tmp_path / "report"
    result = _run(chapter, data, out)
    assert result.returncode == 0, result.stderr
    text = _markdown(out / f"{stem}.ipynb")
    if chapter == "07":
        assert "跳过：缺少表 channel_spend" in text and "跳过：缺少表 identity_links" in text
        assert "没有“引流触点”（source）列" in text
        assert "退订率的拐点" in text and "入群前就多买" in text
    else:
        assert "跳过" not in text.replace("没有品类毛利率", "")
        assert "没有品类毛利率" in text and "引导性最强的是" in text
    sheets = pd.ExcelFile(out / f"{stem}.xlsx").sheet_names
    assert len(sheets) > 3
