"""The README and docs/: every figure comes from a record, every code example runs as written, every link resolves.

Figures live in ``<!-- figures:NAME -->`` blocks that ``tools/render_docs.py`` fills from the JSON records
commands wrote; here they are rendered again and compared, and any figure-like number outside such a block
fails. Python examples run in a temporary folder holding the files they name (digit.png, other.jpg,
number.png: a user's own files), with the app served for the ones that call it; each ``print(...)  # text``
must print that text (``...`` stands for any text). Bash commands run when cheap, else have their flags
parsed by the command's own parser.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from lenet.pen import PenDigits, compose_number, render

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LOCAL_APP = "http://127.0.0.1:7860"
# A measured figure: a number with a percent sign, milliseconds, seconds, minutes or a times sign (not the
# times sign of a size such as 32×32).
FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:%|ms\b|s\b|min\b|×(?!\d))")


def module(path: Path):
    """A script of the repository (tools/, tests/) imported as a module."""
    loaded = sys.modules.get(path.stem)
    if loaded is not None and Path(getattr(loaded, "__file__", "")).resolve() == path.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod  # as an import would: dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


render_docs = module(ROOT / "tools" / "render_docs.py")


def blocks(kind: str) -> list[tuple[str, int, str]]:
    """Every fenced ``kind`` block in the README and docs/: (file, index in that file, code)."""
    found = []
    for path in DOCS:
        code = re.findall(rf"```{kind}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
        found += [(str(path.relative_to(ROOT)), k, c) for k, c in enumerate(code)]
    return found


def prose(text: str) -> str:
    """The text a reader sees as prose: without code blocks and without the generated figure blocks."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return render_docs.BLOCK.sub("", text)


# -- figures ----------------------------------------------------------------------------------------------------


def test_readme_front_page_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 100


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_figure_blocks_equal_their_records(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text == render_docs.render(text), f"{path.name} is stale: run `python tools/render_docs.py`"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_figure_outside_a_generated_block(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    outside = [m.group(0) for m in FIGURE.finditer(prose(text))]
    assert not outside, f"{path.name}: figures with no record behind them: {outside}"
    assert "../shared" not in text and "LENET_MNIST_DIR" not in text


def test_every_figure_block_is_known_and_used() -> None:
    used = {m.group(2) for path in DOCS for m in render_docs.BLOCK.finditer(path.read_text(encoding="utf-8"))}
    assert used == set(render_docs.BLOCKS)


def test_figure_heuristic_catches_figures() -> None:
    # The check above is only as good as this pattern: it must see measured figures and pass sizes.
    assert FIGURE.findall("p50 37.5 ms, 98.82% read, 6.2× slower, 38.6 min, 460 s") == [
        "37.5 ms",
        "98.82%",
        "6.2×",
        "38.6 min",
        "460 s",
    ]
    assert FIGURE.findall("the 32×32 input, 280 px canvases, 12 digits, version 6.31.0") == []


# -- links ----------------------------------------------------------------------------------------------------------


def test_docs_index_lists_every_page_and_links_resolve() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not list {page.name}"
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not re.match(r"https?:", target):
                assert (path.parent / target).exists(), f"{path.name} links to {target}, which does not exist"


# -- python examples -------------------------------------------------------------------------------------------


@pytest.fixture
def user_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the files the examples name, a user's own: a 7, a 9 and the number 2026."""
    Image.open(DATA / "examples" / "photo_7.jpg").save(tmp_path / "digit.png")
    (tmp_path / "other.jpg").write_bytes((DATA / "examples" / "photo_9.jpg").read_bytes())
    pen = PenDigits.load(DATA / "pen_sample.npz")
    first = {d: int(np.flatnonzero(pen.labels == d)[0]) for d in (0, 2, 6)}
    strokes, _ = compose_number([pen.strokes(first[int(c)]) for c in "2026"], [0.3] * 3, np.random.default_rng(0))
    render(strokes, canvas=600, brush=12, style="rgb_white", rng=np.random.default_rng(1)).save(tmp_path / "number.png")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def expected_prints(code: str) -> list[str]:
    """The text each ``print(...)  # text`` line of an example promises, in order; every print must promise."""
    prints = [line for line in code.splitlines() if line.strip().startswith("print(")]
    promised = [re.search(r"\)\s+# (.*)$", line) for line in prints]
    silent = [p for p, m in zip(prints, promised, strict=True) if not m]
    assert not silent, f"a print without its expected output: {silent}"
    return [m.group(1) for m in promised]


PYTHON, BASH = blocks("python"), blocks("bash")


@pytest.mark.parametrize(("doc", "k", "code"), PYTHON, ids=[f"{d}:{k}" for d, k, _ in PYTHON])
def test_python_example_runs_and_prints_what_it_says(
    doc: str, k: int, code: str, user_files: Path, request: pytest.FixtureRequest
) -> None:
    if LOCAL_APP in code:  # an API example: against the app served for this test module
        code = code.replace(LOCAL_APP, request.getfixturevalue("server_url"))
    printed: list[str] = []

    def capture(*args, **kwargs) -> None:
        printed.append(" ".join(map(str, args)))

    namespace = {"__name__": "__example__", "print": capture}
    try:
        exec(compile(code, f"{doc} python block {k}", "exec"), namespace)
    finally:
        for value in namespace.values():
            if type(value).__name__ == "Client" and hasattr(value, "close"):
                value.close()
    promised = expected_prints(code)
    assert len(printed) == len(promised), printed
    for got, want in zip(printed, promised, strict=True):
        pattern = ".*".join(re.escape(part) for part in want.split("..."))
        assert re.fullmatch(pattern, got), f"{doc}: printed {got!r}, the example says {want!r}"


# -- bash commands ---------------------------------------------------------------------------------------------


class Parsed(Exception):
    """Raised by the patched parse_args: the flags parsed, nothing else is run."""


def parse_only(main, argv: list[str] | None) -> argparse.Namespace:
    """Run a CLI's ``main`` up to its argparse parse: the flags must parse (argparse exits on a bad one)."""
    original = argparse.ArgumentParser.parse_args

    def parse_args(self, args=None, namespace=None):
        raise Parsed(original(self, args, namespace))

    with mock.patch.object(argparse.ArgumentParser, "parse_args", parse_args), pytest.raises(Parsed) as parsed:
        main(argv) if argv is not None else main()
    return parsed.value.args[0]


def commands(code: str) -> list[str]:
    """The commands of a bash block: continuation lines joined, comments dropped, a for loop's body at k=0."""
    joined = re.sub(r"\s*\\\n\s*", " ", code)
    found = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        loop = re.fullmatch(r"for (\w+) in (\S+)[^;]*; do (.*); done", line)
        if loop:
            line = loop.group(3).replace("$" + loop.group(1), loop.group(2))
        if line:
            found.append(line)
    return found


def check_command(line: str, capsys: pytest.CaptureFixture) -> None:
    """Run a cheap command, or parse a costly one's flags; an unknown command fails."""
    words = shlex.split(line)
    if line.startswith("python3 -m venv"):
        return  # the install commands: CI runs the test one verbatim (tests/test_repo.py)
    if words[:2] == ["pip", "install"]:
        assert words[2:] == ["."]  # tests/test_package.py installs it
        return
    assert words[0] == "python", f"no check for the command {line!r}: add one to tests/test_docs.py"
    if words[1] == "-m":
        name, argv = words[2], words[3:]
        if name == "lenet.predict":  # cheap: run it on the user's files
            from lenet.predict import main

            assert main(argv) == 0, capsys.readouterr()
        elif name == "lenet.train" and "--cv" in argv:  # its own flags
            from lenet.train import main

            parse_only(main, argv)
        elif name == "lenet.train":
            from lenet.train import parse_args

            parse_args(argv)
        elif name == "lenet.calibrate":
            from lenet.calibrate import main

            parse_only(main, argv)
        elif name == "lenet.evaluate":
            from lenet.evaluate import parser

            parser().parse_args(argv)
        elif name == "lenet.data":
            from lenet.data import main

            parse_only(main, argv)
        else:
            raise AssertionError(f"no check for python -m {name}: add one to tests/test_docs.py")
        return
    script = ROOT / words[1]
    assert script.is_file(), f"{words[1]} does not exist"
    with mock.patch.object(sys, "argv", [str(script), *words[2:]]):
        parse_only(module(script).main, None)


@pytest.mark.parametrize(("doc", "k", "code"), BASH, ids=[f"{d}:{k}" for d, k, _ in BASH])
def test_bash_commands_run_or_parse(
    doc: str, k: int, code: str, user_files: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture
) -> None:
    if "curl" in code:  # the HTTP flow, run as written against the app served for this module
        url = request.getfixturevalue("server_url")
        script = code.replace(f"URL={LOCAL_APP}", f"URL={url}")
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "event: complete" in result.stdout and '"label": "7"' in result.stdout, result.stdout
        return
    for line in commands(code):
        check_command(line, capsys)


def test_commands_are_split_as_a_shell_would() -> None:
    code = (
        "for k in 0 1 2; do python -m lenet.train --pen-fold $k --out runs/$k/x.pt; done\npython -m a \\\n  --b  # c\n"
    )
    assert commands(code) == ["python -m lenet.train --pen-fold 0 --out runs/0/x.pt", "python -m a --b"]


def test_an_unknown_command_fails(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(AssertionError, match="no check"):
        check_command("make install", capsys)
    with pytest.raises(SystemExit):  # a flag the command does not have
        check_command("python -m lenet.evaluate --no-such-flag", capsys)


# -- the renderers, on records as the commands write them --------------------------------------------------------


def test_number_blocks_render_a_record_the_evaluation_wrote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lenet.evaluate import main as evaluate_main

    argv = ["--numbers", "--pen-digits", str(DATA / "pen_sample.npz"), "--number-count", "1", "--workers", "1"]
    evaluate_main([*argv, "--json", "--record", str(tmp_path / "numbers.json")])
    (tmp_path / "numbers-pooled.json").write_text((tmp_path / "numbers.json").read_text())
    monkeypatch.setattr(render_docs, "WEIGHTS", tmp_path)
    record = json.loads((tmp_path / "numbers.json").read_text())
    figures = {(f["method"], f["spacing"], f["input"]): f for f in record["numbers"]["figures"] if f["digits"] == "2-4"}
    table = render_docs.numbers_table()
    assert record["command"] in table and "Not recorded" not in table
    row = next(line for line in table.splitlines() if line.startswith("| spaced, strokes |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    ours, naive = figures["read_number", "spaced", "strokes"], figures["naive", "spaced", "strokes"]
    assert cells[1] == f"**{ours['whole']:.1%}**" and cells[3] == f"{ours['wrong_count']:.1%}"
    assert cells[4] == f"{naive['whole']:.1%}" and cells[6] == f"{naive['wrong_count']:.1%}"
    pooled = render_docs.numbers_pooled()
    assert f"read_number tight canvases {figures['read_number', 'tight', 'images']['whole']:.1%}" in pooled


def test_benchmark_blocks_render_records_shaped_as_the_benchmarks_write_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As bench_app.stats() writes them (importing bench_app, and so gradio, would cost seconds).
    app = {"p50_ms": 40.0, "p90_ms": 48.0, "n": 3}
    ref = {"p50_ms": 2050.0, "p90_ms": 2090.0, "n": 2}
    figures = {
        "pen_up": {
            "local": {"app": app, "minimal": ref},
            "server_cpu_ms_per_digit": {"app": 12.5, "ref": 250.0},
            "requests_per_digit": {"app": 1.0, "ref": 4.0},
        },
        "live": {"stroke_s": 2.0, "local": {"median": 12, "min": 10, "max": 13, "n": 7}},
        "load": {
            "drawers": 4,
            "strokes": 3,
            "back to back": {
                **app,
                "p95_ms": 48.0,
                "strokes_per_s": 20.0,
                "server_cpu_ms_per_stroke": 9.0,
                "x_read_number_cpu": 3.0,
                "calls": 12,
                "errors": 0,
                "wrong": 0,
            },
        },
    }
    record = {"command": "python tests/bench_app.py", "cpus": 2, "load_average": {"before": 1.0}, "figures": figures}
    (tmp_path / "app.json").write_text(json.dumps(record))
    monkeypatch.setattr(render_docs, "RECORDS", tmp_path)
    assert "| local | 40 ms (p90 48) | 2,050 ms (p90 2,090) | 0.020× | 3 |" in render_docs.pen_up()
    assert "local: median 12 (min 10, max 13, 7 strokes)" in render_docs.live()
    assert "back to back: p50 40 ms, p95 48 ms, 20.0 strokes/s" in render_docs.load_test()
    assert "Not recorded" in render_docs.soak()


@pytest.mark.parametrize(
    "command",
    [
        render_docs.NUMBERS_COMMAND,
        render_docs.POOLED_COMMAND,
        render_docs.SEED_TRAIN_COMMAND,
        render_docs.SEED_COMMAND,
        render_docs.READ_NUMBER_COMMAND,
        render_docs.APP_COMMAND,
        render_docs.SOAK_COMMAND,
    ],
)
def test_the_commands_that_make_the_records_parse(command: str, capsys: pytest.CaptureFixture) -> None:
    # A block whose record is missing shows this command: it must work as written.
    check_command(command, capsys)
