"""The workshop canvas: state round-trips, Markdown export, atomic files, widgets without a browser."""

import json

import pytest

from opskit.course import workshop as ws
from opskit.course import workshop_kit as kit
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
    assert "| 指标 | 口径 | 责任人 | 目标 | 频率 | 护栏 | 最新值 |" in text and "| 渠道投放 |" in text
    assert f"{int(values['buyers'].iloc[-1]):,}" in text
    state.kpis.append(ws.KPI("gmv", "总经理", 258400.0))
    text = state.to_markdown(values)
    assert "e+0" not in text and "| 25.8 万元 |" in text  # 成交额 in 万元, never 2.584e+05
    assert "收敛结果：**下单用户数**" in text


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
    other = ws.demo_state()
    other.team_name = "第二组 / 华东"
    ws.export(other, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "第二组_华东_data_system.json", "第二组_华东_data_system.md",
        "鲜选增长小组_data_system.json", "鲜选增长小组_data_system.md"]


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
    canvas.kpi_metric.value, canvas.kpi_owner.value, canvas.kpi_target.value = "gmv", "张三", "30万"
    canvas.kpi_guard.value = "repeat_rate"
    canvas.kpi_add.click()
    assert canvas.state.kpis[-1] == ws.KPI("gmv", "张三", 300000.0, "月", "repeat_rate")
    assert "张三" in canvas.kpi_table.value and "30.0 万元" in canvas.kpi_table.value
    canvas.kpi_row.value = 0  # edit the first row in place
    canvas.kpi_owner.value = "李四"
    canvas.kpi_save.click()
    assert canvas.state.kpis[0].owner == "李四" and len(canvas.state.kpis) == before + 1
    canvas.kpi_row.value = 1  # delete a row in the middle, not only the last one
    second = canvas.state.kpis[2]
    canvas.kpi_delete.click()
    assert len(canvas.state.kpis) == before and canvas.state.kpis[1] == second

    assert canvas.on_export() is None and "opskit-download-md" in canvas.downloads.value
    canvas.folder.value = str(tmp_path)
    canvas.export_button.click()
    assert ws.load(tmp_path / "测试组_data_system.json") == canvas.state
    assert "测试组" in (tmp_path / "测试组_data_system.md").read_text(encoding="utf-8")
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


def test_tree_accepts_chinese_names_and_refuses_ambiguous_redefinitions():
    nodes = ws.parse_tree("成交额 = 下单用户数 × 人均订单数 × 客单价\n下单用户数 = 新客数 + 老客数")
    assert nodes == ws.parse_tree("gmv = buyers * orders_per_buyer * aov\nbuyers = new_buyers + returning_buyers")
    with pytest.raises(ValueError, match="第 2 行.*成交额.*第 1 行已经拆解过"):
        ws.parse_tree("gmv = buyers * aov\ngmv = orders + buyers")
    with pytest.raises(ValueError, match="循环"):
        ws.parse_tree("gmv = buyers * aov\nbuyers = gmv + x")
    with pytest.raises(ValueError, match="有歧义"):
        kit.parse_tree("a = 成本 + b", kit.Glossary({"c1": "成本（元）", "c2": "成本（人次）"}))


def test_canvas_tree_edit_refuses_a_redefinition_and_keeps_the_tree(data):
    canvas = ws.DataSystemCanvas(data)
    before = canvas.state.tree
    canvas.tree_text.value = "gmv = buyers * aov\ngmv = orders + buyers"
    assert "只能有一种拆解" in canvas.tree_msg.value and canvas.state.tree == before
    canvas.tree_text.value = "成交额 = 下单用户数 × 人均订单数 × 客单价"
    assert canvas.state.roots() == ["gmv"] and "已更新" in canvas.tree_msg.value


def test_dot_votes_per_participant_and_converge():
    board = kit.VoteBoard("北极星", ["甲", "乙", "丙"], dots=2)
    board.vote("王", "乙")
    board.vote("王", "乙")
    with pytest.raises(ValueError, match="2 票已经投完"):
        board.vote("王", "甲")
    with pytest.raises(ValueError, match="投票人"):
        board.vote(" ", "甲")
    with pytest.raises(ValueError, match="不在候选清单"):
        board.vote("李", "丁")
    board.vote("李", "丙")
    board.vote("李", "甲")
    assert list(board.tally().items()) == [("乙", 2), ("甲", 1), ("丙", 1)]  # ties keep proposal order
    assert board.converge(1) == ["乙"] and board.participants() == 2
    board.remove("乙")
    assert board.tally().sum() == 2 and board.chosen == []


def test_numbers_use_the_chinese_formatters():
    assert kit.fmt_number(258400.0, "元") == "25.8 万元"
    assert kit.fmt_number(3.2e8, "元") == "3.20 亿元"
    assert kit.fmt_number(0.1234, "比例") == "12.3%"
    assert kit.fmt_number(12345, "人") == "1.2 万人" and kit.fmt_number(717, "人") == "717 人"
    assert kit.fmt_number(float("nan")) == "—"
    assert kit.parse_target("1.2万") == 12000 and kit.parse_target("35%") == pytest.approx(0.35)


def test_canvas_votes_in_the_widget_and_converge_sets_the_north_star(data):
    canvas = ws.DataSystemCanvas(data)
    canvas.voter.value = "新成员"
    canvas.candidate_pick.value = "活跃用户数（打开 App）"
    for _ in range(3):
        canvas.vote_button.click()
    canvas.vote_button.click()  # a fourth dot is refused with a message
    assert "3 票已经投完" in canvas.message.value
    assert canvas.board().tally()["活跃用户数（打开 App）"] == 5
    canvas.converge_button.click()
    assert canvas.state.north_star == "buyers"  # buyers still leads with 6 votes


def test_load_json_restores_the_canvas_exactly(data):
    canvas = ws.DataSystemCanvas(data)
    saved = canvas.state.to_json()
    edited = ws.DataSystemCanvas(data, ws.WorkshopState.from_json(saved))
    edited.team.value = "别的组"
    edited.north_star.value = "gmv"
    edited.tree_text.value = "gmv = orders * aov"
    edited.state.kpis.pop(0)
    edited.load_json(saved)
    assert edited.state == canvas.state and edited.state.to_json() == saved
    assert edited.team.value == "鲜选增长小组" and edited.north_star.value == "buyers"
    assert ws.parse_tree(edited.tree_text.value) == canvas.state.tree
    assert edited.live.value == canvas.live.value and edited.kpi_table.value == canvas.kpi_table.value
    with pytest.raises(ValueError, match="不是有效的 JSON"):
        edited.load_json("{broken")


def test_the_display_carries_a_readable_html_summary(data):
    canvas = ws.DataSystemCanvas(data)
    bundle = canvas._repr_mimebundle_()
    data_ = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data_
    summary = data_["text/html"]
    assert "鲜选增长小组" in summary and "下单用户数" in summary and "护栏" in summary and "e+0" not in summary
    from opskit.course import site

    nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                     "outputs": [{"output_type": "display_data", "metadata": {}, "data": data_}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    import nbformat

    static = site.static_widgets(nbformat.from_dict(nb))
    assert static.cells[0].outputs[0]["data"]["text/html"] == summary


def test_the_chart_follows_the_canvas(data):
    canvas = ws.DataSystemCanvas(data)
    before = canvas.chart.value
    assert before.startswith("<img")
    canvas.north_star.value = "gmv"
    assert canvas.chart.value.startswith("<img") and canvas.chart.value != before


def test_workshop_command_serves_locally_with_the_kits_template(capsys):
    from opskit.course import cli

    command, env = kit.voila_command("notebooks/11_workshop_private_domain.ipynb", 8899)
    assert "--Voila.ip=127.0.0.1" in command and "--port=8899" in command and "--template=opskit" in command
    data = env["JUPYTER_PATH"].split(__import__("os").pathsep)[0]
    template = __import__("pathlib").Path(data) / "voila" / "templates" / "opskit"
    assert (template / "static" / kit.FONT_NAME).exists()
    assert "https://" not in (template / "index.html.j2").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        cli.main(["workshop", "07"])
    assert stop.value.code == 2 and "03" in capsys.readouterr().err
