"""Methods whose raw-table work is all named queries take a Parquet path (scanned in place, as a
Spark DataFrame is in Spark mode) and give the frame's result; Spark itself is compared in
tests/test_spark_chapters.py."""

import pandas as pd
import pytest

from opskit import activation, channels, mcn, metrics
from opskit.sim import load_demo


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    users = load_demo("users")
    kept = set(users["user_id"].iloc[::8])
    frames = {"orders": load_demo("orders").loc[lambda o: o["user_id"].isin(kept)].reset_index(drop=True),
              "users": users.loc[users["user_id"].isin(kept)].reset_index(drop=True),
              "channel_spend": load_demo("channel_spend")}
    frames["orders_without_discount"] = frames["orders"].drop(columns="discount")
    for name, frame in frames.items():
        frame.to_parquet(root / f"{name}.parquet", index=False)
    return frames, {name: str(root / f"{name}.parquet") for name in frames}


def same(got, expected):
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)


def test_kpis_on_a_file(files):
    frames, paths = files
    same(metrics.kpis(paths["orders"], paths["users"]), metrics.kpis(frames["orders"], frames["users"]))
    same(metrics.kpis(paths["orders"], period="week", segment="platform"),
         metrics.kpis(frames["orders"], period="week", segment="platform"))
    without = metrics.kpis(paths["orders_without_discount"])  # no discount: gross GMV is GMV
    same(without, metrics.kpis(frames["orders_without_discount"]))
    assert (without["paid_share"] == 1).all()


def test_time_to_first_order_and_repeat_rates_on_files(files):
    frames, paths = files
    same(activation.time_to_first_order(paths["users"], paths["orders"], 30),
         activation.time_to_first_order(frames["users"], frames["orders"], 30))
    as_of = frames["orders"]["order_time"].max().normalize() + pd.Timedelta(days=1)
    for kw in ({"platform_label": "平台"}, {"group": "platform"}):
        same(mcn.repeat_rates(paths["orders"], days=30, as_of=as_of, buyer="user_id", **kw),
             mcn.repeat_rates(frames["orders"], days=30, as_of=as_of, buyer="user_id", **kw))
    with pytest.raises(ValueError, match="group"):
        mcn.repeat_rates(paths["orders"], days=30, as_of=as_of, buyer="user_id", cutoffs=pd.Series({"平台": as_of}))


def test_weekly_monitor_on_files(files):
    frames, paths = files
    same(channels.weekly_monitor(paths["channel_spend"], paths["users"], z=3.5),
         channels.weekly_monitor(frames["channel_spend"], frames["users"], z=3.5))
