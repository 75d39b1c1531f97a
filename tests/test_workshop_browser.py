"""The workshops as apps in a real browser: Voila serves each canvas on 127.0.0.1 (the command
``opskit workshop`` runs), headless Chromium drives it with every non-local request blocked.

Checked per workshop: the app loads, changing the North Star (03) / the target segment (11)
updates the live numbers, a vote is counted, and the download delivers the Markdown and the JSON
with the group's name in the file names and the contents. Screenshots go to build/screenshots/;
the load and run times to build/screenshots/workshop-timings.json.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from opskit.course.chapters import ROOT, find
from opskit.course.workshop_kit import voila_command

GROUP = "浏览器测试组"
LOAD_TIMEOUT_MS = 240_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def voila(chapter: str, log: Path):
    """Voila serving the chapter's notebook on a free local port; yields its URL."""
    port = _free_port()
    with log.open("w") as out:
        command, env = voila_command(find(chapter).notebook, port)
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _select(page, css: str, label: str) -> None:
    page.locator(f"{css} select").select_option(label=label)


def _tab(page, title: str) -> None:
    page.locator(".opskit-canvas .lm-TabBar-tab", has_text=title).first.click()


def _live(page) -> str:
    return page.locator(".opskit-live-north-star").inner_text()


def _record(name: str, **values) -> None:
    from browser import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "workshop-timings.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[name] = values
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("chapter,control,new_value,expect", [
    ("03", ".opskit-north-star", "成交额（GMV）（gmv）", "成交额"),
    ("11", ".opskit-segment", None, None),
])
def test_workshop_app_in_a_real_browser(chapter, control, new_value, expect, tmp_path):
    from browser import chromium_path, local_page, screenshot

    chromium_path()  # skips (or fails in CI) before starting a server when there is no browser
    started = time.perf_counter()
    with voila(chapter, tmp_path / "voila.log") as url, local_page(1280, 1600) as page:
        page.goto(url, timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(".opskit-live-north-star", timeout=LOAD_TIMEOUT_MS)
        loaded = time.perf_counter() - started
        before = _live(page)

        # changing the North Star / the target segment updates the live numbers
        if new_value is None:  # chapter 11: pick another segment than the current one
            options = page.locator(f"{control} select option").all_inner_texts()
            current = page.locator(f"{control} select").evaluate("s => s.options[s.selectedIndex].text")
            new_value = next(o for o in options if o != current and o.startswith("生命周期：沉睡")) \
                if any(o.startswith("生命周期：沉睡") for o in options if o != current) else \
                next(o for o in options if o != current)
            expect = new_value.split("（")[0]
        changed_at = time.perf_counter()
        _select(page, control, new_value)
        page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel);"
                               " return e && e.innerText !== old; }", arg=[".opskit-live-north-star", before],
                               timeout=30_000)
        update = time.perf_counter() - changed_at
        assert expect in _live(page) and _live(page) != before

        # the group's name, then a dot vote is counted
        page.locator(".opskit-team input").fill(GROUP)
        page.locator(".opskit-team input").press("Enter")
        page.wait_for_function("g => document.querySelector('.opskit-message').innerText.includes(g)", arg=GROUP,
                               timeout=30_000)
        _tab(page, "投票")
        tally = page.locator(".opskit-tally")
        voters_before = int(tally.inner_text().split("人已投票")[0].strip())
        page.locator(".opskit-voter input").fill("测试员")
        page.locator(".opskit-vote").click()
        page.wait_for_function("n => document.querySelector('.opskit-tally').innerText.includes((n + 1) + ' 人已投票')",
                               arg=voters_before, timeout=30_000)

        # export: both files download in the browser, named and filled with the group's name
        _tab(page, "导出")
        page.locator(".opskit-export").click()
        page.wait_for_selector(".opskit-downloads .opskit-download-json", timeout=30_000)
        files = {}
        for kind in ("md", "json"):
            with page.expect_download(timeout=30_000) as info:
                page.locator(f".opskit-downloads .opskit-download-{kind}").click()
            download = info.value
            assert download.suggested_filename.startswith(GROUP) and download.suggested_filename.endswith(f".{kind}")
            files[kind] = Path(download.path()).read_text(encoding="utf-8")
        assert GROUP in files["md"]
        state = json.loads(files["json"])
        assert state["team_name"] == GROUP
        assert any("测试员" in board["votes"] for board in state["votes"])
        page.locator(".opskit-canvas").scroll_into_view_if_needed()
        shot = screenshot(page, f"workshop-{chapter}")
        assert page.blocked == [], page.blocked
    total = time.perf_counter() - started
    _record(f"workshop-{chapter}", app_load_seconds=round(loaded, 1), live_update_seconds=round(update, 2),
            test_seconds=round(total, 1), screenshot=str(shot.relative_to(ROOT)))
