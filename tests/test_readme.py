"""Every ```python block of README.md runs as written and prints what README shows.

The convention (README.md, *Development*, says it too):

* A block fenced ```python is a complete program. It is saved as ``model.py`` in an
  empty directory and run there with ``python model.py`` in a fresh interpreter (so
  s2sad can read its source, and printed locations read ``model.py:LINE``). Blocks do
  not share names: each one imports what it uses.
* What it prints is the ```text block that follows it, with at most one paragraph of
  prose (such as "prints") between the two. A ```python block without one must print
  nothing.
* Output is compared exactly, except that trailing spaces on each line and blank lines
  at the end are ignored. Numbers are not compared with a tolerance: blocks print
  numbers that do not depend on rounding (rounded, or shapes and exact values).
* Anything that is not a program (shell commands, output of other commands, fragments)
  uses another fence language: ```bash, ```text, or a bare fence. The spellings ```py,
  ```python3 and ```Python are refused, so that no program silently escapes the test.

README.md is found next to the directory of this file, so the test also works on a copy
of tests/ and README.md outside the source tree, run against an installed s2sad: the
blocks run with the s2sad that this test imports.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import s2sad

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^(`{3,})(.*)$")
RUNNABLE = "python"
OUTPUT = "text"
LOOK_ALIKES = {"py", "python3", "Python", "py3", "python-repl"}


def fenced_blocks(text):
    """(info string, content, first line number, line after the closing fence) of every
    fenced code block; the fences must start their line."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        start = i + 1
        j = start
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        if j == len(lines):
            raise AssertionError("README.md:%d: a code fence is never closed" % (i + 1))
        blocks.append((info, "\n".join(lines[start:j]) + "\n", start + 1, j + 1))
        i = j + 1
    return blocks, lines


def programs():
    """(line of the opening fence, source, expected output or "") of every ```python
    block."""
    blocks, lines = fenced_blocks(README.read_text(encoding="utf-8"))
    out = []
    for n, (info, content, first, after) in enumerate(blocks):
        if info != RUNNABLE:
            continue
        expected = ""
        if n + 1 < len(blocks) and blocks[n + 1][0] == OUTPUT:
            between = "\n".join(ln.strip() for ln in lines[after:blocks[n + 1][2] - 2])
            if len([p for p in between.split("\n\n") if p.strip()]) <= 1:
                expected = blocks[n + 1][1]
        out.append((first - 1, content, expected))
    return out


def normalise(text):
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")


def _package_root():
    """The directory holding the s2sad package this test imports (a source tree or
    site-packages): the blocks must run with that s2sad, not another one."""
    return str(Path(s2sad.__file__).resolve().parent.parent)


PROGRAMS = programs()


def test_readme_has_programs():
    assert len(PROGRAMS) >= 4, "found only %d ```python blocks in %s" % (len(PROGRAMS), README)


def test_no_look_alike_fences():
    blocks, _ = fenced_blocks(README.read_text(encoding="utf-8"))
    bad = ["README.md:%d: ```%s" % (first - 1, info) for info, _, first, _ in blocks
           if info.split(" ")[0] in LOOK_ALIKES]
    assert not bad, ("fence these blocks ```python (a program that runs) or ```text "
                     "(not run): %s" % ", ".join(bad))


@pytest.mark.parametrize("line, source, expected", PROGRAMS,
                         ids=["README.md:%d" % p[0] for p in PROGRAMS])
def test_readme_block(line, source, expected, tmp_path):
    (tmp_path / "model.py").write_text(source, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [_package_root()] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "model.py"], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (
        "the ```python block at README.md:%d fails:\n%s" % (line, proc.stderr[-3000:]))
    got, want = normalise(proc.stdout), normalise(expected)
    assert got == want, (
        "the ```python block at README.md:%d prints\n%s\n\nbut README shows %s"
        % (line, got, "\n" + want if want else "nothing (no ```text block follows it)"))
