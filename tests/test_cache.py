"""The disk cache of generated modules (s2sad/compiler/cache.py).

* **Verified**: a cached file is used only if its bytes are the source s2sad wants;
  an edited, truncated, empty or non-Python file is rewritten and the gradient is the
  right one, in this process and in another one.  No bytecode is read or written.
* **Bounded**: at most ``$S2SAD_CACHE_MAX_FILES`` files, the least recently used go
  first; ``0`` keeps no files and still shows source in tracebacks.
* ``s2sad.clear_cache()`` deletes s2sad's files and nothing else.
* Threads and processes writing the same file at once all get correct modules.

f(x) = x**3 + 2x, so f'(1.5) = 3 * 1.5**2 + 2 = 8.75 and f''(1.5) = 6 * 1.5 = 9.
"""
import gc
import hashlib
import importlib
import inspect
import itertools
import linecache
import os
import subprocess
import sys
import threading
import time
import traceback

import pytest

import s2sad
from s2sad import compiler
from s2sad.compiler import cache

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "def f(x):\n    return x ** 3 + 2.0 * x\n"
GRAD = 3 * 1.5 ** 2 + 2.0  # 8.75
_NAMES = itertools.count()


@pytest.fixture
def cache_path(tmp_path, monkeypatch):
    """A fresh cache directory for this test, and no derivative in memory."""
    path = tmp_path / "cache"
    monkeypatch.setenv("S2SAD_CACHE_DIR", str(path))
    monkeypatch.delenv("S2SAD_CACHE_MAX_FILES", raising=False)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # we must not rely on it
    compiler.clear_cache(disk=False)
    yield path
    compiler.clear_cache(disk=False)


def user_module(tmp_path, monkeypatch, text=SOURCE):
    """A module of its own (fresh name) holding ``text``, importable by a subprocess."""
    name = "s2sad_cache_case_%d_%d" % (os.getpid(), next(_NAMES))
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / (name + ".py")).write_text(text)
    monkeypatch.syspath_prepend(str(src))
    return importlib.import_module(name)


def ours(path):
    return sorted(n for n in os.listdir(path) if cache.OURS.match(n))


def gradient_file(path):
    """The one generated gradient module in ``path``."""
    (name,) = [n for n in ours(path) if "__df_dx__" in n]
    return path / name


def compile_again(mod):
    """Forget the in-memory derivative (keeping the files) and compute f'(1.5) anew."""
    compiler.clear_cache(disk=False)
    return s2sad.grad(mod.f)(1.5)


def test_first_compile_writes_one_file_named_by_its_content(cache_path, tmp_path, monkeypatch):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    path = gradient_file(cache_path)
    data = path.read_bytes()
    digest = hashlib.sha256(cache._tag() + data).hexdigest()[:cache.DIGEST]
    assert path.name.endswith("__%s.py" % digest)
    assert b"def df_dx(" in data
    assert not (cache_path / "__pycache__").exists()  # no bytecode, even when allowed
    assert compile_again(mod) == GRAD
    assert gradient_file(cache_path).read_bytes() == data


def test_another_python_or_s2sad_never_shares_a_file(cache_path, monkeypatch):
    tag = cache._tag().decode()
    assert s2sad.__version__ in tag and sys.implementation.name in tag
    assert "%d.%d.%d" % sys.version_info[:3] in tag
    mine = cache.load("VALUE = 1\n", "case", {}).__file__
    monkeypatch.setattr(cache, "_tag", lambda: b"s2sad 0.1.0 pypy 3.10.14\n")
    theirs = cache.load("VALUE = 1\n", "case", {}).__file__
    assert mine != theirs and os.path.exists(mine) and os.path.exists(theirs)


@pytest.mark.parametrize("constant", [b"5.0", b"50.0"])
def test_edited_constant_is_regenerated(cache_path, tmp_path, monkeypatch, constant):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    path = gradient_file(cache_path)
    good = path.read_bytes()
    assert good.count(b"bx = 2.0") == 1
    stat = os.stat(path)
    path.write_bytes(good.replace(b"bx = 2.0", b"bx = " + constant))
    if len(constant) == 3:  # same size and mtime: what fools a timestamp-checked .pyc
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert compile_again(mod) == GRAD  # 6.75 + 5 or 6.75 + 50 if the edited file ran
    assert path.read_bytes() == good
    assert len(ours(cache_path)) == 1


@pytest.mark.parametrize("damage", ["truncated", "empty", "not python", "binary"])
def test_damaged_file_is_regenerated(cache_path, tmp_path, monkeypatch, damage):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    path = gradient_file(cache_path)
    good = path.read_bytes()
    path.write_bytes({"truncated": good[:len(good) // 2], "empty": b"",
                      "not python": b"def df_dx(x:\n    return ((\n",
                      "binary": b"\xff\xfe\x00garbage\x00"}[damage])
    assert compile_again(mod) == GRAD
    assert path.read_bytes() == good


def test_hessian_of_a_tampered_file(cache_path, tmp_path, monkeypatch):
    """s2sad differentiates its own generated code again: it must read the true source."""
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.hessian(mod.f)(1.5) == 9.0
    compiler.clear_cache(disk=False)
    for name in ours(cache_path):
        (cache_path / name).write_text("raise SystemExit('tampered')\n")
    assert s2sad.hessian(mod.f)(1.5) == 9.0
    assert not any(b"tampered" in (cache_path / n).read_bytes() for n in ours(cache_path))


def test_a_file_in_the_way_falls_back_to_memory(cache_path, tmp_path, monkeypatch):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    path = gradient_file(cache_path)
    path.unlink()
    path.mkdir()  # a directory where the file goes: unreadable and not replaceable
    assert compile_again(mod) == GRAD
    assert path.is_dir()


def test_deleted_directory_is_made_again(cache_path, tmp_path, monkeypatch):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    for name in os.listdir(cache_path):
        (cache_path / name).unlink()
    cache_path.rmdir()
    assert compile_again(mod) == GRAD
    assert gradient_file(cache_path).exists()


def test_long_stem_is_shortened():
    module = cache.load("VALUE = 7\n", "m" * 600, {})
    assert module.VALUE == 7
    assert len(os.path.basename(module.__file__)) < 160


def raising_module(name="boom"):
    return cache.load("def %s(x):\n    y = 1.0 / x\n    return y\n" % name, "case", {})


def raised_lines(function):
    try:
        function(0.0)
    except ZeroDivisionError:
        return traceback.format_exc()
    raise AssertionError("no error")


def test_traceback_and_inspect_survive_deletion_and_edits(cache_path):
    module = raising_module()
    path = module.__file__
    assert os.path.dirname(path) == str(cache_path)
    assert "y = 1.0 / x" in raised_lines(module.boom)
    with open(path, "w") as handle:  # another process edits it...
        handle.write("# nothing\n")
    assert "y = 1.0 / x" in raised_lines(module.boom)
    os.unlink(path)  # ...or prunes it
    assert "y = 1.0 / x" in raised_lines(module.boom)
    assert "return y" in inspect.getsource(module.boom)


def test_source_in_memory_is_freed_with_the_module(cache_path):
    module = raising_module("freed")
    path = module.__file__
    assert linecache.cache[path][2][1] == "    y = 1.0 / x\n"
    del module
    gc.collect()
    assert path not in linecache.cache or linecache.cache[path][1] is not None


def test_a_file_we_may_not_touch_is_still_used(cache_path, monkeypatch):
    path = cache.load("VALUE = 1\n", "case", {}).__file__
    os.utime(path, (0, 0))
    inode = os.stat(path).st_ino

    def refuse(*args, **kwargs):
        raise PermissionError("not yours")

    monkeypatch.setattr(os, "utime", refuse)
    module = cache.load("VALUE = 1\n", "case", {})
    assert module.VALUE == 1 and module.__file__ == path
    assert os.stat(path).st_ino == inode  # verified and used, not rewritten


def test_no_files_when_the_bound_is_zero(cache_path, tmp_path, monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_MAX_FILES", "0")
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    assert s2sad.hessian(mod.f)(1.5) == 9.0  # differentiates generated code from memory
    module = raising_module("no_file")
    assert not os.path.exists(module.__file__)
    assert "y = 1.0 / x" in raised_lines(module.no_file)
    assert not os.path.exists(cache_path) or ours(cache_path) == []


def test_pruning_keeps_the_bound_and_recently_used_files(cache_path, monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_MAX_FILES", "5")
    sources = ["VALUE = %d\n" % i for i in range(5)]
    paths = [cache.load(s, "case", {}).__file__ for s in sources]
    assert len(ours(cache_path)) == 5
    foreign = ["notes.txt", "mine.py", "user__abc.py", "x__0123456789abcdef0123.py.bak"]
    for name in foreign:
        (cache_path / name).write_text("keep me\n")
    now = time.time()
    for age, path in enumerate(paths):  # paths[0] newest ... paths[4] oldest
        os.utime(path, (now - 1000 * (age + 1), now - 1000 * (age + 1)))
    assert cache.load(sources[4], "case", {}).VALUE == 4  # reusing the oldest refreshes it
    for i in range(5, 8):
        assert cache.load("VALUE = %d\n" % i, "case", {}).VALUE == i
        assert len(ours(cache_path)) <= 5
    left = set(ours(cache_path))
    assert len(left) == 5
    assert os.path.basename(paths[4]) in left  # recently used
    assert not {os.path.basename(p) for p in paths[1:4]} & left  # the least recently used
    assert all((cache_path / name).read_text() == "keep me\n" for name in foreign)


def test_prune_cost_is_bounded(cache_path, monkeypatch):
    monkeypatch.setenv("S2SAD_CACHE_MAX_FILES", "3000")
    for i in range(50):
        cache.load("VALUE = %d\n" % i, "case", {})
    start = time.perf_counter()
    assert cache.prune(str(cache_path), 40) == 10
    assert time.perf_counter() - start < 1.0
    assert len(ours(cache_path)) == 40


def test_clear_cache_deletes_only_s2sad_files(cache_path, tmp_path, monkeypatch):
    assert s2sad.clear_cache is compiler.clear_cache
    assert "disk" in (s2sad.clear_cache.__doc__ or "")
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    assert ours(cache_path)
    foreign = ["notes.txt", "mine.py", "user__abc.py", "keep__0123456789abcdef0123.py.bak",
               os.path.join("sub", "x__0123456789abcdef0123.py")]
    (cache_path / "sub").mkdir()
    for name in foreign:
        (cache_path / name).write_text("keep me\n")
    leftovers = ["f__0123456789abcdef0123.py.1a2b.3c.0badf00d.tmp",  # a write cut short
                 "old__01234567.py"]  # an earlier version's name
    for name in leftovers:
        (cache_path / name).write_text("x = 1\n")
    (cache_path / "__pycache__").mkdir()
    (cache_path / "__pycache__" / "old__01234567.cpython-311.pyc").write_bytes(b"\0" * 16)
    s2sad.clear_cache()
    assert sorted(os.listdir(cache_path)) == ["keep__0123456789abcdef0123.py.bak", "mine.py",
                                              "notes.txt", "sub", "user__abc.py"]
    assert all((cache_path / name).read_text() == "keep me\n" for name in foreign)
    assert compiler.cached(mod.f) == {}
    assert s2sad.grad(mod.f)(1.5) == GRAD  # compiles and writes again
    assert len(ours(cache_path)) == 1


def test_threads_compiling_the_same_function(cache_path, tmp_path, monkeypatch):
    mod = user_module(tmp_path, monkeypatch)
    barrier, results, errors = threading.Barrier(2), [], []

    def work():
        try:
            barrier.wait()
            results.append(s2sad.grad(mod.f)(1.5))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [GRAD, GRAD]
    assert len(ours(cache_path)) == 1


def test_threads_loading_while_the_file_is_damaged(cache_path):
    source = "VALUE = %r\n" % ("v" * 4000)
    path = cache.load(source, "race", {}).__file__
    stop, errors, count = threading.Event(), [], [0]

    def damage():
        while not stop.is_set():
            with open(path, "w") as handle:
                handle.write("VALUE = 'wrong'\n")

    def work():
        try:
            for _ in range(100):
                module = cache.load(source, "race", {})
                assert module.VALUE == "v" * 4000
                count[0] += 1
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    vandal = threading.Thread(target=damage)
    workers = [threading.Thread(target=work) for _ in range(6)]
    vandal.start()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    vandal.join()
    assert errors == [] and count[0] == 600
    assert cache.load(source, "race", {}).VALUE == "v" * 4000
    with open(path) as handle:
        assert handle.read() == source
    assert [n for n in os.listdir(cache_path) if n.endswith(".tmp")] == []


def test_other_processes_after_tampering(cache_path, tmp_path, monkeypatch):
    mod = user_module(tmp_path, monkeypatch)
    assert s2sad.grad(mod.f)(1.5) == GRAD
    path = gradient_file(cache_path)
    good = path.read_bytes()
    path.write_bytes(good.replace(b"bx = 2.0", b"bx = 50.0"))  # f'(1.5) = 56.75 if run
    script = ("import sys; sys.path[:0] = [%r, %r]; import s2sad, %s as m; "
              "print(repr(s2sad.grad(m.f)(1.5)))" % (str(tmp_path / "src"), ROOT, mod.__name__))
    env = dict(os.environ, S2SAD_CACHE_DIR=str(cache_path))
    children = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=str(tmp_path),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]  # two at once, racing to repair the file
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert float(out) == GRAD
    assert path.read_bytes() == good
    assert ours(cache_path) == [path.name]
