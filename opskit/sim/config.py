"""World configuration shared by every part of the simulated company."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEMO_SEED = 20241111


@dataclass(frozen=True)
class WorldConfig:
    """Size, seed and calendar of one simulated world.

    The world runs over ``[start, end)``; ``end`` is exclusive and also the snapshot date at
    which the data is "exported".
    """

    n_users: int
    seed: int = DEMO_SEED
    start: pd.Timestamp = pd.Timestamp("2024-01-01")
    end: pd.Timestamp = pd.Timestamp("2026-01-01")

    @property
    def n_days(self) -> int:
        return int((self.end - self.start) / pd.Timedelta(days=1))


def rng_for(cfg: WorldConfig, part: str) -> np.random.Generator:
    """An independent, reproducible random stream for one part of the world.

    Each part (``"users"``, ``"kol"``...) draws from its own stream, so adding draws to one part
    never changes the data of another.
    """
    return np.random.default_rng([cfg.seed, zlib.crc32(part.encode())])
