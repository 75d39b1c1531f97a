"""Data access: table contracts, readers for company exports, column maps, the dataset façade
and the aggregation engine.

Notebooks open their tables with :func:`open_dataset`; methods never read files themselves.
"""

from opskit.data.dataset import Dataset, open_dataset

__all__ = ["Dataset", "open_dataset"]
