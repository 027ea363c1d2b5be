"""The README's code runs and prints what the README says it prints."""
import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _section(heading):
    return README.split(heading, 1)[1].split("\n## ", 1)[0]


def _run(code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    return out.getvalue()


def _code(section):
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_engine_example_prints_what_it_shows():
    section = _section("## The tensor engine: backward()")
    shown = re.search(r"prints\n\n```\n(.*?)```", section, re.S).group(1)
    assert _run(_code(section)) == shown
    assert "dW1 matches: True | dW2 matches: True" in shown


def test_training_example():
    printed = _run(_code(_section("## Train a network"))).splitlines()
    assert printed[0] == "1.0"
    assert printed[1].startswith("{'loss': 0.0047") and printed[1].endswith("'accuracy': 1.0}")


def test_scalar_example_prints_the_formula():
    assert _run(_code(_section("## The scalar engine"))) == "0.5556*F - 17.78\n"
