"""python -m lenet.train --cv K: the recorded commands, the bundled recipe checked, no training run here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lenet import train
from lenet.inference import DEFAULT_WEIGHTS, sha256_of

WEIGHTS = DEFAULT_WEIGHTS.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository's weights/ records (metrics.json, crossval.json) in a temporary folder."""
    (tmp_path / "weights").mkdir()
    for name in ("metrics.json", "crossval.json"):
        shutil.copy(WEIGHTS / name, tmp_path / "weights" / name)
    return tmp_path


class Runner:
    """Stands in for ``run_commands``: notes each batch of commands and writes what each would have written."""

    def __init__(self, root: Path, code: int = 0) -> None:
        self.root, self.code, self.batches = root, code, []

    def __call__(self, commands: list[tuple[str, Path]], jobs: int, cwd: Path) -> list[int]:
        assert cwd == self.root and all(log.is_relative_to(self.root / "runs" / "cv") for _, log in commands)
        self.batches.append(([c for c, _ in commands], jobs))
        for command, _ in commands:
            if "--out" in command:
                out = self.root / command.split("--out ")[1]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(command.encode())
        return [self.code] * len(commands)


def test_cv_runs_exactly_the_recorded_commands(repo: Path) -> None:
    recorded = json.loads((WEIGHTS / "crossval.json").read_text())
    runner = Runner(repo)
    run = train.cross_validate(3, root=repo, runner=runner)
    (folds, jobs), (after, after_jobs) = runner.batches
    assert folds == [m["command"] for m in recorded["models"]] and jobs == train.CV_JOBS
    assert after[0] == recorded["command"] and after_jobs == 2
    calibration = WEIGHTS / "calibration.json"
    if calibration.is_file():
        assert after[1] == json.loads(calibration.read_text())["command"]
    assert run["trained"] == [0, 1, 2] and run["reused"] == [] and run["same_as_recorded"] == [False] * 3
    assert json.loads((repo / "weights" / "crossval.json").read_text())["cv_run"] == run
    assert run["command"] == "python -m lenet.train --cv 3"


def test_cv_reuses_only_checkpoints_with_the_recorded_sha256(repo: Path) -> None:
    path = repo / "weights" / "crossval.json"
    crossval = json.loads(path.read_text())
    for k in (0, 1):  # two fold checkpoints on disk; only fold 0's bytes are the recorded ones
        (repo / "runs" / "cv" / str(k)).mkdir(parents=True)
        (repo / "runs" / "cv" / str(k) / "lenet.pt").write_bytes(b"fold %d" % k)
    crossval["models"][0]["checkpoint_sha256"] = sha256_of(repo / "runs" / "cv" / "0" / "lenet.pt")
    path.write_text(json.dumps(crossval))
    runner = Runner(repo)
    run = train.cross_validate(3, reuse=True, jobs=1, root=repo, runner=runner)
    assert run["reused"] == [0] and run["trained"] == [1, 2]
    assert runner.batches[0] == ([train.fold_command(1, 3), train.fold_command(2, 3)], 1)


def test_cv_refuses_when_the_bundled_recipe_is_another(repo: Path) -> None:
    path = repo / "weights" / "metrics.json"
    metrics = json.loads(path.read_text())
    metrics["config"]["epochs"] += 1
    path.write_text(json.dumps(metrics))
    runner = Runner(repo)
    with pytest.raises(SystemExit, match="differ in epochs"):
        train.cross_validate(3, root=repo, runner=runner)
    assert runner.batches == []


def test_cv_stops_at_a_failed_fold(repo: Path) -> None:
    runner = Runner(repo, code=1)
    with pytest.raises(SystemExit, match=r"fold\(s\) \[0, 1, 2\] failed"):
        train.cross_validate(3, root=repo, runner=runner)
    assert len(runner.batches) == 1  # no evaluation of models that do not exist


def test_run_commands_runs_them_and_logs_their_output(tmp_path: Path) -> None:
    commands = [(f"python -c print({k})", tmp_path / f"{k}.log") for k in range(3)]
    commands.append(("python -c 'raise SystemExit(3)'", tmp_path / "fail.log"))
    assert train.run_commands(commands, 2, tmp_path) == [0, 0, 0, 3]
    assert [(tmp_path / f"{k}.log").read_text() for k in range(3)] == ["0\n", "1\n", "2\n"]


def test_cv_flags(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        train.main(["--cv", "3", "--epochs", "2"])  # the recipe is the bundled one's: no recipe flags
    assert "unrecognized arguments: --epochs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.main(["--cv", "1"])
    assert "--cv must be at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.parse_args(["--cv", "3", "--epochs", "2"])
    assert "--cv takes only its own flags" in capsys.readouterr().err
