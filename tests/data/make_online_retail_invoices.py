"""Derive ``online_retail_invoices.csv`` from the UCI Online Retail line items (one row per invoice).

Source: the Online Retail data set of the UCI Machine Learning Repository (Daqing Chen, Sai Liang
Sain and Kun Guo, 2012; licence CC BY 4.0), as split into one CSV per day in the folder
``data/retail-data/by-day/`` of the public repository of the book *Spark: The Definitive Guide*
(databricks/Spark-The-Definitive-Guide). Each line item has InvoiceNo, StockCode, Description,
Quantity, InvoiceDate, UnitPrice, CustomerID and Country.

Change made (as CC BY 4.0 asks us to say): the 541,909 line items are summed per invoice, giving one
row per invoice with InvoiceNo, CustomerID (as written in the source, e.g. ``17850.0``, empty for
guests), InvoiceDate (the invoice's first timestamp), Total (sum of Quantity x UnitPrice, rounded to
cents; cancellations, whose numbers start with ``C``, are negative), Country and Lines (line count).
Nothing else is cleaned: zero totals, cancellations and missing customers stay, as in a real export.

    python tests/data/make_online_retail_invoices.py FOLDER_WITH_BY_DAY_CSVS
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]


def main(folder: str) -> None:
    lines = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False, names=COLUMNS, header=0)
                       for path in sorted(Path(folder).glob("*.csv"))], ignore_index=True)
    lines["value"] = lines["Quantity"].astype(float) * lines["UnitPrice"].astype(float)
    invoices = (lines.groupby("InvoiceNo", sort=False)
                .agg(CustomerID=("CustomerID", "first"), InvoiceDate=("InvoiceDate", "min"),
                     Total=("value", "sum"), Country=("Country", "first"), Lines=("StockCode", "size"))
                .reset_index())
    invoices["Total"] = invoices["Total"].round(2)
    invoices = invoices.sort_values(["InvoiceDate", "InvoiceNo"], kind="stable")
    out = Path(__file__).with_name("online_retail_invoices.csv")
    invoices.to_csv(out, index=False, lineterminator="\n")
    print(f"{out}: {len(invoices):,} invoices from {len(lines):,} line items")


if __name__ == "__main__":
    main(sys.argv[1])
