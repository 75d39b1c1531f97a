"""The workshop canvas: state round-trips, Markdown export, atomic files, widgets without a browser."""

import json

import pytest

from opskit.course import workshop as ws
from opskit.data.dataset import open_dataset


@pytest.fixture(scope="module")
def data():
    return open_dataset()


def test_json_round_trip_is_exact():
    state = ws.demo_state()
    state.kpis[0].target = 123.5
    again = ws.WorkshopState.from_json(state.to_json())
    assert again == state
    assert again.to_json() == state.to_json()
    assert json.loads(state.to_json())["north_star"] == "buyers"


def test_markdown_has_north_star_tree_and_kpis(data):
    from opskit import metrics as mc

    state = ws.demo_state()
    values = mc.compute_many(data, state.metric_ids())
    text = state.to_markdown(values)
    assert "## 北极星指标" in text and "**下单用户数**（`buyers`）" in text
    assert "- **成交额（GMV）** = 下单用户数 × 人均订单数 × 客单价" in text
    assert "  - **下单用户数** ⭐北极星 = 新客数（首单用户） + 老客数（复购用户）" in text
    assert "| 指标 | 口径 | 责任人 | 目标 | 频率 | 最新值 |" in text and "| 渠道投放 |" in text
    assert f"{int(values['buyers'].iloc[-1]):,}" in text


def test_parse_and_format_tree():
    nodes = ws.parse_tree("gmv = buyers * aov  # comment\n\nbuyers = new_buyers + returning_buyers")
    assert [(n.metric, n.parent, n.op) for n in nodes] == [
        ("gmv", None, "*"), ("buyers", "gmv", "+"), ("aov", "gmv", None),
        ("new_buyers", "buyers", None), ("returning_buyers", "buyers", None)]
    state = ws.WorkshopState(tree=nodes)
    assert ws.parse_tree(ws.format_tree(state)) == nodes
    for bad in ("gmv buyers", "gmv = a * b + c", "x = a / b / c", "= a * b"):
        with pytest.raises(ValueError, match="第 1 行"):
            ws.parse_tree(bad)


def test_identities_hold_on_data_and_a_wrong_tree_fails(data):
    from opskit import metrics as mc

    state = ws.demo_state()
    checks = ws.check_identities(state, mc.compute_many(data, state.metric_ids()))
    assert list(checks["成立"]) == ["是", "是"]
    wrong = ws.WorkshopState(tree=ws.parse_tree("gmv = buyers * aov\nfoo = a + b"))
    checks = ws.check_identities(wrong, mc.compute_many(data, ["gmv", "buyers", "aov"]))
    assert list(checks["成立"]) == ["否", "无法计算"]


def test_export_writes_both_files_atomically(tmp_path):
    state = ws.demo_state()
    md, js = ws.export(state, tmp_path / "out")
    assert md.read_text(encoding="utf-8") == state.to_markdown()
    assert ws.load(js) == state
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["data_system.json", "data_system.md"]


def test_canvas_edits_state_and_computes_live_values(data, tmp_path):
    canvas = ws.DataSystemCanvas(data)
    assert canvas.state.north_star == "buyers"
    canvas.team.value = "测试组"
    canvas.north_star.value = "active_users"
    assert canvas.state.team_name == "测试组" and canvas.state.north_star == "active_users"
    expected = data["events"].query("event_type == 'app_open'")
    last = expected["event_time"].dt.to_period("M").max()
    n = expected.loc[expected["event_time"].dt.to_period("M") == last, "user_id"].nunique()
    assert canvas.values["active_users"].iloc[-1] == n
    assert f"{n:,}" in canvas.live.value
    canvas.criteria["领先于收入"].value = 2
    assert canvas.state.criteria["领先于收入"] == 2

    canvas.tree_text.value = "gmv = buyers * gmv_per_buyer"
    assert canvas.state.roots() == ["gmv"] and "已更新" in canvas.tree_msg.value
    canvas.tree_text.value = "gmv buyers"
    assert "第 1 行" in canvas.tree_msg.value and canvas.state.roots() == ["gmv"]

    before = len(canvas.state.kpis)
    canvas.kpi_metric.value, canvas.kpi_owner.value, canvas.kpi_target.value = "gmv", "张三", "300,000"
    canvas.add_kpi.click()
    assert canvas.state.kpis[-1] == ws.KPI("gmv", "张三", 300000.0, "月") and "张三" in canvas.kpi_table.value
    canvas.remove_kpi.click()
    assert len(canvas.state.kpis) == before

    assert canvas.on_export() is None and "导出文件夹" in canvas.status.value
    canvas.folder.value = str(tmp_path)
    canvas.export_button.click()
    assert ws.load(tmp_path / "data_system.json") == canvas.state
    assert "测试组" in (tmp_path / "data_system.md").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*tmp"))


def test_canvas_on_partial_data_lists_unavailable_metrics(tmp_path):
    from opskit.sim import DEMO_DIR

    (tmp_path / "orders.csv").write_bytes((DEMO_DIR / "orders.csv").read_bytes())
    canvas = ws.DataSystemCanvas(open_dataset(tmp_path))
    assert "活跃用户数" in canvas.missing.value
    assert "paid_cac" not in canvas.values.columns and "不可用" in canvas.live.value
    assert "active_users" not in [v for _, v in canvas.north_star.options]


def test_baseline_targets_never_exceed_100_percent():
    from opskit import metrics as mc

    assert ws.baseline_target(0.8, mc.get("repeat_rate")) == pytest.approx(0.82)
    assert ws.baseline_target(0.99, mc.get("retention_30d")) < 1
    assert ws.baseline_target(100, mc.get("gmv")) == pytest.approx(110)
    assert ws.baseline_target(40, mc.get("paid_cac")) == pytest.approx(38)
    state = ws.WorkshopState(kpis=[ws.KPI("repeat_rate", "甲", 0.82)])
    assert "| 当期复购率 | 当期下单 ≥ 2 次的用户 ÷ 当期下单用户 | 甲 | 82.0% | 月 |" in state.to_markdown()


def test_to_metric_evaluates_the_tree_from_its_leaves(data):
    from opskit import metrics as mc
    from opskit.metric_tree import evaluate, leaves

    state = ws.demo_state()
    tree = ws.to_metric(state)
    assert tree.name == "gmv" and tree.op == "*" and [c.name for c in tree.children] == [
        "buyers", "orders_per_buyer", "aov"]
    names = [leaf.name for leaf in leaves(tree)]
    assert names == ["new_buyers", "returning_buyers", "orders_per_buyer", "aov"]
    values = mc.compute_many(data, state.metric_ids())
    out = evaluate(tree, {n: values[n] for n in names})
    assert ((out["gmv"] - values["gmv"]).abs() < 1e-6).all()
