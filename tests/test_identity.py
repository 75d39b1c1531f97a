"""Identity resolution: the union-find oracle of docs/methods.md#identity, agreement with a plain union-find,
stable keys, hub identifiers, and the demo's known number of people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opskit import identity
from opskit.sim import TRUTHS, load_demo


def _links(pairs, kind="x"):
    return pd.DataFrame([(kind, a, kind if b is not None else None, b) for a, b in pairs],
                        columns=["id_type_a", "id_a", "id_type_b", "id_b"])


def test_union_find_oracle():
    links = _links([("a", "b"), ("b", "c"), ("d", "e"), ("f", None)])
    assert identity.resolve(links)["customer_key"].nunique() == 3
    joined = pd.concat([links, _links([("c", "d")])], ignore_index=True)
    keys = identity.resolve(joined).set_index("identifier")["customer_key"]
    assert keys.nunique() == 2 and keys["a"] == keys["e"] != keys["f"]


def _reference_components(edges: list[tuple[str, str]], nodes: set[str]) -> set[frozenset]:
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]   # path halving
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, set] = {}
    for n in nodes:
        groups.setdefault(find(n), set()).add(n)
    return {frozenset(g) for g in groups.values()}


def test_components_equal_a_plain_union_find_and_keys_are_stable():
    rng = np.random.default_rng(0)
    nodes = [f"{i:05d}" for i in range(400)]          # leading zeros stay distinct strings
    edges = [(nodes[a], nodes[b]) for a, b in rng.integers(0, 400, (300, 2))]
    links = _links(edges)
    resolved = identity.resolve(links)
    ours = {frozenset(g) for g in resolved.groupby("customer_key")["identifier"].agg(frozenset)}
    seen = {n for edge in edges for n in edge}
    assert ours == _reference_components(edges, seen)
    shuffled = identity.resolve(links.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(resolved, shuffled)
    sizes = resolved.groupby("customer_key").size()
    assert (resolved["component_size"] == resolved["customer_key"].map(sizes)).all()


def test_identifier_types_are_part_of_the_node_and_the_key_prefers_members():
    links = pd.DataFrame({"id_type_a": ["member", "phone", "openid"], "id_a": ["100", "100", "o1"],
                          "id_type_b": ["device", "device", "phone"], "id_b": ["D1", "D2", "100"]})
    resolved = identity.resolve(links)
    assert resolved["customer_key"].nunique() == 2       # member 100 and phone 100 are different people
    keys = resolved.set_index(["id_type", "identifier"])["customer_key"]
    assert keys[("openid", "o1")] == "phone:100" and keys[("device", "D1")] == "member:100"


def test_hub_identifiers_are_found_and_excluded():
    people = [(f"p{i}", f"m{i}") for i in range(20)]
    hub = [("POS1", f"p{i}") for i in range(20)]
    links = pd.concat([_links(people), _links(hub)], ignore_index=True)
    assert identity.resolve(links)["customer_key"].nunique() == 1
    hubs = identity.hub_identifiers(links, max_partners=5)
    assert hubs["identifier"].tolist() == ["POS1"] and hubs["partners"].tolist() == [20]
    assert identity.resolve(links, exclude=hubs)["customer_key"].nunique() == 20


def test_duplicate_summary_counts():
    links = pd.DataFrame({"id_type_a": ["member", "member", "member"], "id_a": ["1", "2", "3"],
                          "id_type_b": ["device", "device", "device"], "id_b": ["D", "D", "E"]})
    summary = identity.duplicate_summary(identity.resolve(links))
    assert summary.loc["member", "identifiers"] == 3 and summary.loc["member", "customers"] == 2
    assert summary.loc["member", "overcount"] == pytest.approx(0.5)
    assert summary.loc["合计", "customers"] == 2


def test_demo_identity_graph_has_the_planted_number_of_people():
    links = load_demo("identity_links")
    truth = TRUTHS["identity"]
    hubs = identity.hub_identifiers(links)
    assert set(hubs["identifier"]) == {f"POS{k:03d}" for k in range(1, truth["hub_devices"] + 1)}
    resolved = identity.resolve(links, exclude=hubs)
    assert resolved["customer_key"].nunique() == truth["demo_people"]
    naive = identity.resolve(links)
    assert naive["customer_key"].nunique() < truth["demo_people"]
    members = resolved[resolved["id_type"] == "member"]
    assert len(members) - members["customer_key"].nunique() == truth["demo_duplicate_accounts"]
