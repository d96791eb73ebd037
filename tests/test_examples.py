"""Each script in examples/ runs to completion (exit status 0) in a fresh interpreter."""
import glob
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))


def test_examples_exist():
    names = {os.path.basename(p) for p in EXAMPLES}
    assert {"show_source.py", "logistic_regression.py", "custom_rule.py"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_example_runs(path, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, path], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_test_command_is_what_ci_runs():
    """.ci/run runs TEST_COMMAND (against the installed wheel, outside the tree, on the
    oldest, the default and the newest Python); README shows exactly that command."""
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        ci = f.read()
    found = re.findall(r"^TEST_COMMAND='([^']+)'$", ci, re.M)
    assert len(found) == 1, "one TEST_COMMAND='...' line in .ci/run"
    assert 'eval "$TEST_COMMAND"' in ci  # and it is what the suites run
    assert "```bash\n%s\n```" % found[0] in readme
