"""Write the example orders export: the demo orders as a typical Chinese back office exports them.

The 2025 orders of the demo company (kept under 2 MB), with Chinese headers, GBK encoding, dates like ``2024/3/5 14:02`` (minutes only), amounts like
``￥1,299.00``. Run from the repository root::

    .venv/bin/python datasets/examples/make_orders_export.py

The benchmark (``benchmarks/bench_rerun.py``) uses :func:`export_frame` for its 5-million-row file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EXPORT = HERE / "订单导出.csv"
#: Canonical column -> header in the export (the column map in 列映射.yaml says the same).
#: The export covers the demo orders from this day on.
SINCE = "2025-01-01"
HEADERS = {
    "order_id": "订单编号",
    "user_id": "客户编号",
    "order_time": "下单时间",
    "amount": "实付金额",
    "discount": "优惠金额",
    "coupon_id": "优惠券编号",
    "platform": "下单端",
}


def yuan(values: pd.Series) -> pd.Series:
    """``1299.0`` -> ``"￥1,299.00"`` (the full-width yuan sign: GBK has no U+00A5 ¥)."""
    return "￥" + values.map("{:,.2f}".format)


def minute_text(times: pd.Series) -> pd.Series:
    """``2024-03-05 14:02:59`` -> ``"2024/3/5 14:02"`` (no zero padding of month and day)."""
    t = times.dt
    return (t.year.astype(str) + "/" + t.month.astype(str) + "/" + t.day.astype(str) + " "
            + t.hour.astype(str).str.zfill(2) + ":" + t.minute.astype(str).str.zfill(2))


def export_frame(orders: pd.DataFrame) -> pd.DataFrame:
    """The orders as the export shows them: Chinese headers, formatted amounts and dates."""
    out = orders[list(HEADERS)].copy()
    out["order_time"] = minute_text(out["order_time"])
    out["amount"] = yuan(out["amount"])
    out["discount"] = yuan(out["discount"])
    return out.rename(columns=HEADERS)


def main() -> None:
    from opskit.sim import load_demo

    orders = load_demo("orders").loc[lambda d: d["order_time"] >= SINCE]
    staged = EXPORT.with_suffix(".tmp")
    export_frame(orders).to_csv(staged, index=False, encoding="gbk")
    staged.replace(EXPORT)
    print(f"{EXPORT}: {len(orders):,} 行，{EXPORT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
