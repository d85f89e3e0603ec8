"""Byte for byte on any x86-64 CPU with AVX2: ``python -m lenet.train`` pins its kernels, whatever the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lenet.inference import sha256_of
from lenet.train import KERNEL_PINS, kernel_pins

ROOT = Path(__file__).resolve().parent.parent
# The smallest run there is: the dry run on 64 digits, each pen digit drawn once, one thread.
SMALL = ["--dry-run", "--limit", "64", "--pen-repeats", "1", "--threads", "1"]
# Another instruction set for each of ATen, oneDNN and MKL: what an AVX-512 machine's defaults are to AVX2 ones.
ASK_OTHER = {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_CBWR": "COMPATIBLE"}
# train() itself, called from Python, pins nothing: the control that shows the environment reaches the kernels.
UNPINNED = (
    "import sys; from lenet.train import parse_args, train, write_outputs; "
    "cfg = parse_args(sys.argv[1:]); model, metrics = train(cfg); write_outputs(model, metrics, cfg.out, 'control')"
)


@pytest.mark.slow
def test_training_gives_the_same_bytes_whatever_instruction_set_the_environment_asks_for(
    tmp_path: Path, mnist_dir: Path
) -> None:
    if not kernel_pins():
        pytest.skip("this CPU has no AVX2 (or is not x86-64): lenet.train pins nothing, the bytes are its own")
    clean = {k: v for k, v in os.environ.items() if k not in KERNEL_PINS}
    runs = {
        "nothing asked": (["-m", "lenet.train"], clean),
        "other kernels asked": (["-m", "lenet.train"], {**clean, **ASK_OTHER}),
        "control: train() unpinned, other kernels asked": (["-c", UNPINNED], {**clean, **ASK_OTHER}),
    }
    outs = {name: tmp_path / str(k) / "lenet.pt" for k, name in enumerate(runs)}
    procs = {
        name: subprocess.Popen(
            [sys.executable, *how, *SMALL, "--data-dir", str(mnist_dir), "--out", str(outs[name])],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name, (how, env) in runs.items()
    }
    sha, kernels = {}, {}
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name}: {err.decode()[-2000:]}"
        sha[name] = sha256_of(outs[name])
        kernels[name] = json.loads((outs[name].parent / "metrics.json").read_text()).get("cpu_kernels")
    assert sha["nothing asked"] == sha["other kernels asked"], kernels
    for name in ("nothing asked", "other kernels asked"):
        assert kernels[name]["environment"] == KERNEL_PINS and kernels[name]["capability"] == "AVX2"
        assert kernels[name]["pinned"] and kernels[name]["avx2"]
    control = kernels["control: train() unpinned, other kernels asked"]
    assert control["environment"] == ASK_OTHER and control["capability"] == "DEFAULT" and not control["pinned"]
    # Without the pins, the kernels asked for give other bytes: the equality above is the pins' doing.
    assert sha["control: train() unpinned, other kernels asked"] != sha["nothing asked"]
