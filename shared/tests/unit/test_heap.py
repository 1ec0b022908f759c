"""A service's memory settings: glibc's mmap threshold held where glibc is the C library (what it
saves is measured by `make bench`: bench/README.md, session 22), nothing done elsewhere."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from frontdoor_shared import heap


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_the_mmap_threshold_is_held_on_glibc() -> None:
    # in a process of its own: the setting is the process's for good
    done = subprocess.run([sys.executable, "-c", "from frontdoor_shared.heap import hold_mmap_threshold as h; "
                           "print(h(), h(64 * 1024))"], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_elsewhere_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    assert heap.hold_mmap_threshold() is False


def test_every_service_holds_it_before_it_builds_itself() -> None:
    import inspect

    from frontdoor_shared import service_main

    source = inspect.getsource(service_main.service_cli)
    assert source.index("heap.hold_mmap_threshold()") < source.index("create_app(s)")
