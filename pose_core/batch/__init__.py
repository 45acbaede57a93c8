"""Batch: many clips and photos to one dataset, resumable, on all cores or a Ray cluster.

``inputs`` turns files, folders and globs into inputs; ``manifest`` remembers what is
done; ``work`` analyses one input; ``pool`` and ``ray_runner`` run many; ``runner``
ties them together (:func:`run_batch`); ``dataset`` writes the summary and Parquet
tables; ``command`` is the ``batch`` subcommand.
"""

from pose_core.batch.dataset import (
    ANGLES,
    KINEMATICS,
    LANDMARKS,
    SUMMARY,
    SUMMARY_COLUMNS,
    csv_zip,
    rom_figure,
)
from pose_core.batch.inputs import BatchInput, collect
from pose_core.batch.runner import BatchProgress, BatchReport, default_workers, run_batch

__all__ = [
    "ANGLES",
    "KINEMATICS",
    "LANDMARKS",
    "SUMMARY",
    "SUMMARY_COLUMNS",
    "BatchInput",
    "BatchProgress",
    "BatchReport",
    "collect",
    "csv_zip",
    "default_workers",
    "rom_figure",
    "run_batch",
]
