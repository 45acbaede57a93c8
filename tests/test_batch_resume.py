"""Interrupted batches lose only the inputs in flight: a killed worker, Ctrl-C; and the
Ray path gives the process pool's dataset."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pose_core.batch import collect, run_batch
from pose_core.batch.runner import BatchProgress
from pose_core.settings import Settings


def _statuses(out: Path) -> list[str]:
    return pd.read_csv(out / "summary.csv")["status"].tolist()


def test_a_killed_worker_loses_only_its_clip_and_the_next_run_redoes_it(sample_media, tmp_path):
    inputs = collect([str(sample_media / "cam01.mp4"), str(sample_media / "cam02.mp4")])
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_first_worker(state: BatchProgress) -> None:
        if not killed and state.frames_done >= 10:
            (worker,) = [p for p in multiprocessing.active_children() if "batch" in p.name]
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)

    first = run_batch(inputs, out, Settings(), video=False, workers=1, progress=kill_first_worker)
    assert killed
    assert [r["status"] for r in first.rows] == ["failed", "analysed"]
    assert first.rows[0]["error"] == ("cam01.mp4: the worker analysing it stopped (exit code -9)")
    assert not (out / "cam02.json").read_text() == ""
    second = run_batch(inputs, out, Settings(), video=False, workers=1)
    assert [r["status"] for r in second.rows] == ["analysed", "skipped"]
    assert _statuses(out) == ["analysed", "skipped"]
    assert set(pd.read_parquet(out / "landmarks.parquet")["source"]) == {"cam01.mp4", "cam02.mp4"}


def _session_processes(sid: int) -> list[str]:
    """Live processes of a session (an exited one waiting for init to reap it aside)."""
    ps = subprocess.run(["ps", "-e", "-o", "sid=,pid=,args="], capture_output=True, text=True)
    lines = [ln for ln in ps.stdout.splitlines() if ln.split()[0] == str(sid)]
    return [ln for ln in lines if "<defunct>" not in ln]


def test_ctrl_c_keeps_what_finished_and_the_next_run_resumes(sample_media, tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "pose_core", "batch"]
    args += [sample_media / n for n in ("cam01.mp4", "cam02.mp4", "standing.jpg")]
    args += ["--out", out, "--workers", 1, "--no-video"]
    proc = subprocess.Popen(
        list(map(str, args)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while not (manifest.is_file() and manifest.read_text().count("\n") >= 1):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr + stdout
    assert "3 inputs: 1 analysed, 2 interrupted (run again to resume)" in stdout
    assert _statuses(out) == ["analysed", "interrupted", "interrupted"]
    deadline = time.monotonic() + 10  # workers and the resource tracker take a moment
    while _session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _session_processes(proc.pid) == []  # no worker left behind
    again = subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "3 inputs: 2 analysed, 1 skipped (done before)" in again.stdout
    assert _statuses(out) == ["skipped", "analysed", "analysed"]


@pytest.fixture(scope="module")
def pool_and_ray(sample_media, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ray")
    inputs = collect([str(sample_media / "cam01.mp4"), str(sample_media / "standing.jpg")])
    pool = run_batch(inputs, tmp / "pool", Settings(), video=False, workers=2)
    ray = run_batch(inputs, tmp / "ray", Settings(), video=False, workers=2, use_ray=True)
    return pool, ray


def test_ray_dataset_equals_the_pool_dataset(pool_and_ray):
    pool, ray = pool_and_ray
    assert [r["status"] for r in ray.rows] == ["analysed", "analysed"]
    for name in ("landmarks.parquet", "angles.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(ray.out_dir / name), pd.read_parquet(pool.out_dir / name)
        )
    keep = ["source", "frames", "people", "detection_rate", "rom_left_knee_deg"]
    pd.testing.assert_frame_equal(
        pd.read_csv(ray.out_dir / "summary.csv")[keep],
        pd.read_csv(pool.out_dir / "summary.csv")[keep],
    )


def test_ray_local_instance_is_gone_and_a_rerun_skips(pool_and_ray, sample_media):
    _, ray = pool_and_ray
    import ray as ray_module

    assert not ray_module.is_initialized()
    inputs = collect([str(sample_media / "cam01.mp4"), str(sample_media / "standing.jpg")])
    again = run_batch(inputs, ray.out_dir, Settings(), video=False, use_ray=True)
    assert [r["status"] for r in again.rows] == ["skipped", "skipped"]
    assert again.seconds < 0.1 * ray.seconds
