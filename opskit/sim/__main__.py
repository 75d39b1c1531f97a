"""Regenerate the bundled demo data and its data card: ``python -m opskit.sim``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from opskit.sim import DEMO_DIR, DEMO_N_USERS, DEMO_SEED, simulate, write_world
from opskit.sim.card import render_card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m opskit.sim",
                                     description="生成鲜选模拟公司的数据（CSV）和数据卡（README.md）")
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="输出目录（默认：仓库的 datasets/）")
    parser.add_argument("--n-users", type=int, default=DEMO_N_USERS, help="用户数")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="随机种子")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = simulate(n_users=args.n_users, seed=args.seed)
    paths = write_world(world, args.out)
    card = render_card(world, n_users=args.n_users, seed=args.seed)
    (args.out / "README.md").write_text(card, encoding="utf-8", newline="\n")
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"已生成 {len(paths)} 张表（{size:.1f} MB）和数据卡，写入 {args.out}，"
          f"用时 {time.perf_counter() - started:.1f} 秒")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
