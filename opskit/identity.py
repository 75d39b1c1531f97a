"""Identity resolution (CDP 身份打通, docs/methods.md#identity): one customer across phone, openid, device, member id.

Identifiers are nodes and each observed co-occurrence (a registration ties a member id to a phone,
a login ties it to a device…) is an edge; one customer is one connected component. The components
are computed with SciPy's connected components on the sparse graph, the same partition as union-find
with path compression (Tarjan 1975), in near-linear time and without Python loops over identifiers.

* :func:`resolve` — a stable customer key for every identifier;
* :func:`hub_identifiers` — identifiers that tie together far more partners than one person has
  (a shared store tablet, a test phone): exclude them before resolving, or strangers merge;
* :func:`duplicate_summary` — identifiers per customer and how counting by one identifier
  overstates the number of customers.

An identifier is the pair (type, value): phone ``"13800000000"`` and member ``"13800000000"`` are
different nodes. Values are opaque strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: Which identifier names a customer when a component holds several (first found wins).
KEY_PRIORITY = ("member", "phone", "unionid", "openid", "device")

_LINK_COLUMNS = ("id_type_a", "id_a", "id_type_b", "id_b")


def _nodes(links: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Distinct identifiers and, per link, the node index of each side (-1 when the b side is missing)."""
    a = pd.MultiIndex.from_arrays([links["id_type_a"].astype(str), links["id_a"].astype(str)])
    b_missing = (links["id_b"].isna() | links["id_type_b"].isna()).to_numpy()
    b = pd.MultiIndex.from_arrays([links["id_type_b"].astype(str), links["id_b"].astype(str)])
    labels = a.append(b[~b_missing]).unique()
    nodes = pd.DataFrame({"id_type": labels.get_level_values(0), "identifier": labels.get_level_values(1)})
    return nodes, labels.get_indexer(a), np.where(b_missing, -1, labels.get_indexer(b))


def resolve(links: pd.DataFrame, *, exclude: pd.DataFrame | None = None,
            key_priority: tuple[str, ...] = KEY_PRIORITY) -> pd.DataFrame:
    """A customer key for every identifier seen in ``links``.

    ``links`` has columns ``id_type_a, id_a, id_type_b, id_b``: each row says the two identifiers
    belong to one person (a row with the b side empty only records the a identifier). ``exclude``
    (columns ``id_type, identifier``, e.g. :func:`hub_identifiers`) drops those identifiers and every
    link touching them before resolving.

    Returns one row per identifier: ``id_type, identifier, customer_key, component_size``. The key is
    the component's identifier of the first type in ``key_priority`` (then any other type), the
    smallest value among those, written ``"type:value"``: the same component always gets the same
    key whatever the order of the rows. Sorted by customer_key, id_type, identifier.
    """
    missing = [c for c in _LINK_COLUMNS if c not in links.columns]
    if missing:
        raise ValueError(f"links needs the columns {list(_LINK_COLUMNS)}; missing {missing}")
    if exclude is not None and len(exclude):
        drop = exclude["id_type"].astype(str) + "\x1f" + exclude["identifier"].astype(str)
        hit_a = (links["id_type_a"].astype(str) + "\x1f" + links["id_a"].astype(str)).isin(drop)
        hit_b = (links["id_type_b"].astype(str) + "\x1f" + links["id_b"].astype(str)).isin(drop)
        links = links.loc[~(hit_a | hit_b).to_numpy()]
    nodes, a, b = _nodes(links)
    n = len(nodes)
    edge = b >= 0
    graph = coo_matrix((np.ones(int(edge.sum()), dtype=np.int8), (a[edge], b[edge])), shape=(n, n))
    n_components, component = connected_components(graph, directed=False)
    nodes["component"] = component
    priority = {t: i for i, t in enumerate(key_priority)}
    nodes["rank"] = nodes["id_type"].map(priority).fillna(len(priority)).astype(int)
    first = nodes.sort_values(["component", "rank", "id_type", "identifier"], kind="stable").drop_duplicates(
        "component")
    keys = pd.Series((first["id_type"] + ":" + first["identifier"]).to_numpy(), index=first["component"].to_numpy())
    nodes["customer_key"] = keys.reindex(nodes["component"]).to_numpy()
    nodes["component_size"] = np.bincount(component, minlength=n_components)[component]
    out = nodes[["id_type", "identifier", "customer_key", "component_size"]]
    return out.sort_values(["customer_key", "id_type", "identifier"], kind="stable", ignore_index=True)


def hub_identifiers(links: pd.DataFrame, *, max_partners: int = 5) -> pd.DataFrame:
    """Identifiers linked to more than ``max_partners`` distinct identifiers of one other type.

    One person has a phone or two and a few devices; a device logged in with 40 phones is a shared
    store tablet, a phone bound to 200 member ids is a test number. Returns ``id_type, identifier,
    partner_type, partners`` for each such (identifier, partner type), most partners first.
    """
    sides = [("id_type_a", "id_a", "id_type_b", "id_b"), ("id_type_b", "id_b", "id_type_a", "id_a")]
    pairs = pd.concat([links[list(cols)].set_axis(["id_type", "identifier", "partner_type", "partner"], axis=1)
                       for cols in sides], ignore_index=True).dropna().drop_duplicates()
    counts = pairs.groupby(["id_type", "identifier", "partner_type"]).size().rename("partners").reset_index()
    hubs = counts[counts["partners"] > max_partners]
    return hubs.sort_values(["partners", "id_type", "identifier"], ascending=[False, True, True], kind="stable",
                            ignore_index=True)


def duplicate_summary(resolved: pd.DataFrame) -> pd.DataFrame:
    """How counting by one identifier type compares with counting resolved customers.

    One row per identifier type: ``identifiers`` (distinct values), ``customers`` (customers holding
    at least one), ``per_customer`` (identifiers per such customer), ``duplicated_share`` (share of
    those customers holding two or more) and ``overcount`` (identifiers ÷ customers − 1: how much a
    count of this identifier overstates the customers it covers). Plus a row ``合计`` over all types.
    """
    per = resolved.groupby(["id_type", "customer_key"]).size()
    table = per.groupby(level="id_type").agg(identifiers="sum", customers="size")
    table["duplicated_share"] = (per >= 2).groupby(level="id_type").mean()
    total = pd.DataFrame({"identifiers": [len(resolved)], "customers": [resolved["customer_key"].nunique()],
                          "duplicated_share": [(resolved.groupby("customer_key").size() >= 2).mean()]},
                         index=["合计"])
    table = pd.concat([table, total])
    table["per_customer"] = table["identifiers"] / table["customers"]
    table["overcount"] = table["per_customer"] - 1
    table.index.name = "id_type"
    return table[["identifiers", "customers", "per_customer", "duplicated_share", "overcount"]]
