"""Chapters 09 and 10 rerun on partial company data: missing tables are skipped with a note, and a
public-style logged-bandit export (item, position, click, timestamp, no slot report) runs chapter 10."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from opskit.sim import load_demo


def opskit(*args):
    return subprocess.run([sys.executable, "-m", "opskit.course.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=900)


def _outputs(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            texts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def city_pilot_run(tmp_path_factory):
    """Chapter 09 with the city report and pilots only: no phases, no audiences, no orders."""
    folder = tmp_path_factory.mktemp("city_only")
    for name in ("campaigns", "city_daily", "campaign_cities", "cities"):
        load_demo(name).to_csv(folder / f"{name}.csv", index=False)
    out = tmp_path_factory.mktemp("report09")
    return opskit("run", "09", "--data", folder, "--out", out), out


def test_chapter_09_skips_what_is_missing_and_still_measures_the_pilots(city_pilot_run):
    result, out = city_pilot_run
    assert result.returncode == 0, result.stderr[-3000:]
    text = _outputs(out / "09_campaigns.ipynb")
    assert "跳过：缺少表 campaign_phases" in text and "跳过：缺少表 campaign_audience" in text
    assert "双向固定效应回归" in text and "合成控制用" in text
    assert "Traceback" not in text


@pytest.fixture(scope="module")
def bandit_log_run(tmp_path_factory):
    """Chapter 10 on an impression log exported like a public logged-bandit dataset, without
    propensities and without a slot report; item ids keep leading zeros."""
    folder = tmp_path_factory.mktemp("bandit_log")
    log = load_demo("homepage_impressions")
    export = log.assign(item_id="00" + log["creative_id"].str[1:]).rename(columns={"date": "timestamp"})
    export[["timestamp", "item_id", "position", "click"]].to_csv(folder / "impressions.csv", index=False)
    (folder / "map.yaml").write_text(
        "homepage_impressions:\n  file: impressions.csv\n  columns:\n    date: timestamp\n"
        "    creative_id: item_id\n    position: position\n    click: click\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("report10")
    return opskit("run", "10", "--data", folder, "--map", folder / "map.yaml", "--out", out), out


def test_chapter_10_runs_on_a_bandit_log_and_explains_the_missing_propensities(bandit_log_run):
    result, out = bandit_log_run
    assert result.returncode == 0, result.stderr[-3000:]
    text = _outputs(out / "10_homepage.ipynb")
    assert "跳过：缺少表 homepage_slots" in text
    assert "没有完整的 propensity" in text
    assert "位置系数" in text and "汤普森采样" in text and "0001" in text
    assert "Traceback" not in text


def test_chapter_10_needs_at_least_one_homepage_table(tmp_path):
    from opskit.course.runner import validate

    load_demo("orders").head(50).to_csv(tmp_path / "orders.csv", index=False)
    result = validate("10", tmp_path)
    assert not result.runnable and "至少需要其中一张表" in result.report()
    load_demo("homepage_slots").to_csv(tmp_path / "homepage_slots.csv", index=False)
    assert validate("10", tmp_path).runnable
