"""How fast the pages come up, and whether History stays fast with 10,000 jobs.

(a) Time to first render in Chromium: from `page.goto(<page URL>)` until the page's last element is
    visible, against a hello-world Streamlit script served the same way (same command, same config).
    "Cold" is the first visit after the server starts (it pays for the imports); "warm" is a later
    visit, in a fresh browser context each time; "returning" is a later visit in a browser context that
    has seen every page, so Streamlit's scripts are cached. Target (issue 11): every page at most 1.3x
    the hello world warm, 1.5x cold.
(b) Server time per rerun of pages/3_History.py under AppTest, against a data folder holding 10,000
    jobs relative to one holding 10. Target: at most 1.5x.

    .venv/bin/python bench/bench_pages.py            # full run, prints the table
    .venv/bin/python bench/bench_pages.py --quick    # smoke run
    .venv/bin/python bench/bench_pages.py --write    # also replaces the "Pages (issue 4)" section of docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext  # noqa: E402

from lib.jobs import Job, JobStatus, JobStore, PreparedInputs  # noqa: E402
from lib.jobs.models import new_job_id, now_iso  # noqa: E402
from lib.media.samples import samples  # noqa: E402
from tests.browser_support import VIEWPORT, chromium, streamlit_server  # noqa: E402

OUT = ROOT / "bench" / "out" / "pages"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Pages (issue 4)"
TARGET_RENDER, TARGET_COLD, TARGET_HISTORY = 1.3, 1.5, 1.5
HELLO = '''"""Hello world: the baseline for bench_pages.py."""
import streamlit as st

st.title("Hello")
st.write("Hello, world.")
'''
# Each page's last element: the page has rendered once it is visible.
PAGES = {
    "hello world": ("", "text", "Hello, world."),
    "Home": ("", "text", "Settings"),
    "Upload": ("Upload", "text", "Add both files; when every rule passes"),
    "Generate": ("Generate?pair=bench-pair", "button", "Generate"),
    "History": ("History", "text", "Page 1 of 1"),
}


def fill(data_dir: Path, jobs: int, poster: Path | None = None, prepared: bool = False) -> JobStore:
    """A data folder with `jobs` finished jobs (and a prepared pair, for the Generate page)."""
    store = JobStore(data_dir / "motion_studio.db")
    pair = samples(data_dir / "samples") if prepared or poster is None else None
    poster_path = str(poster) if poster else None
    for n in range(jobs):
        created = now_iso()
        store.add(
            Job(
                id=new_job_id(),
                content_hash=f"bench-{n}",
                status=JobStatus.SUCCEEDED,
                character_orientation="image",
                created_at=created,
                updated_at=created,
                finished_at=created,
                prompt=f"bench job {n}: a dancer on a rooftop at dusk",
                task_id=f"task-{n}",
                poster_path=poster_path,
                output_seconds=5.0,
                service="simulator",
            )
        )
    if prepared and pair:
        store.save_prepared(PreparedInputs("bench-pair", str(pair.image), str(pair.video), "image", now_iso()))
    return store


def time_to_render(browser: Browser, url: str, page_name: str, context: BrowserContext | None = None) -> float:
    """Seconds from `goto` to the page's last element, in a fresh browser context unless one is given (a
    returning visitor, whose browser has cached Streamlit's scripts)."""
    path, kind, text = PAGES[page_name]
    fresh = context is None
    context = context or browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        main = page.get_by_test_id("stMain")
        target = (
            main.get_by_role("button", name=text).first
            if kind == "button"
            else main.get_by_text(text, exact=text == "Settings").first
        )
        started = time.perf_counter()
        page.goto(f"{url}/{path}")
        # wait_for watches the page for the element; expect() would retry at 100, 250, 500 and 1000 ms
        # and round the time up to its next retry.
        target.wait_for(state="visible", timeout=60_000)
        return time.perf_counter() - started
    finally:
        page.close()
        if fresh:
            context.close()


def bench_render(reps_cold: int, reps_warm: int) -> dict[str, dict[str, list[float]]]:
    """Seconds to first render per page, cold (first visit after a server start) and warm."""
    hello_dir = OUT / "hello"
    hello_dir.mkdir(parents=True, exist_ok=True)
    (hello_dir / "hello.py").write_text(HELLO)
    data = OUT / "render-data"
    shutil.rmtree(data, ignore_errors=True)
    fill(data, 10, prepared=True)
    times: dict[str, dict[str, list[float]]] = {name: {"cold": [], "warm": [], "returning": []} for name in PAGES}
    with chromium() as browser:
        for rep in range(reps_cold):
            # Rotate the order so no page always goes first after a browser start.
            names = list(PAGES)[rep % len(PAGES) :] + list(PAGES)[: rep % len(PAGES)]
            for name in names:
                script = hello_dir / "hello.py" if name == "hello world" else ROOT / "app.py"
                with streamlit_server(script, data, OUT / "server.log", cwd=ROOT) as app:
                    times[name]["cold"].append(time_to_render(browser, app.url, name))
        with (
            streamlit_server(hello_dir / "hello.py", data, OUT / "hello.log", cwd=ROOT) as hello,
            streamlit_server(ROOT / "app.py", data, OUT / "app.log", cwd=ROOT) as app,
        ):
            returning = browser.new_context(viewport=VIEWPORT)
            for name in PAGES:  # warm-up: imports, and the returning visitor's browser cache
                time_to_render(browser, hello.url if name == "hello world" else app.url, name)
                time_to_render(browser, hello.url if name == "hello world" else app.url, name, returning)
            for _ in range(reps_warm):
                for name in PAGES:
                    url = hello.url if name == "hello world" else app.url
                    times[name]["warm"].append(time_to_render(browser, url, name))
                    times[name]["returning"].append(time_to_render(browser, url, name, returning))
            returning.close()
    return times


def bench_history(reps: int, big: int) -> dict[str, object]:
    """Median seconds per AppTest rerun of the History page with 10 and with `big` jobs."""
    from streamlit.testing.v1 import AppTest

    folders = {10: OUT / "history-10", big: OUT / f"history-{big}"}
    poster = OUT / "poster.png"
    pair = samples(OUT / "samples")
    shutil.copyfile(pair.image, poster)
    fill_seconds = {}
    for count, folder in folders.items():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        store = fill(folder, count, poster=poster)
        fill_seconds[count] = time.perf_counter() - started
        assert store.count() == count
    saved = {k: os.environ.get(k) for k in ("MOTION_STUDIO_DATA", "NOVITA_API_KEY")}
    os.environ.pop("NOVITA_API_KEY", None)
    try:
        apps = {}
        for count, folder in folders.items():
            os.environ["MOTION_STUDIO_DATA"] = str(folder)
            # A multipage AppTest starts at the entrypoint and switches, as the sidebar does.
            apps[count] = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
            apps[count].run()  # the first run imports and migrates
            assert not apps[count].exception, apps[count].exception
            assert any(f"{count} jobs" in m.value for m in apps[count].markdown), f"History does not show {count} jobs"
        times: dict[int, list[float]] = {count: [] for count in folders}
        for _ in range(reps):
            for count, folder in folders.items():  # alternate, so drift hits both alike
                os.environ["MOTION_STUDIO_DATA"] = str(folder)
                started = time.perf_counter()
                apps[count].run()
                times[count].append(time.perf_counter() - started)
                assert not apps[count].exception
        query = {}
        for count, folder in folders.items():
            from lib.jobs import GalleryQuery

            store = JobStore(folder / "motion_studio.db")
            runs = []
            for _ in range(reps):
                started = time.perf_counter()
                store.gallery(GalleryQuery(page_size=12))
                runs.append(time.perf_counter() - started)
            query[count] = statistics.median(runs)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {"times": times, "query": query, "fill": fill_seconds, "big": big}


def report(render: dict[str, dict[str, list[float]]], history: dict[str, object], quick: bool) -> str:
    base = {kind: statistics.median(render["hello world"][kind]) for kind in ("cold", "warm", "returning")}
    reps_cold, reps_warm = len(render["hello world"]["cold"]), len(render["hello world"]["warm"])
    lines = [
        SECTION,
        "",
        f"Measured on the development machine ({os.cpu_count()} cores, Python {platform.python_version()}, "
        "Debian chromium headless, "
        f"streamlit run on loopback in demo mode) on {date.today():%d %b %Y}{' (quick run)' if quick else ''}. "
        "Ratios against a baseline timed in the same run.",
        "",
        "### Time to first render: `.venv/bin/python bench/bench_pages.py`",
        "",
        "From `page.goto(<page URL>)` until the page's last element is visible (Home: the Settings expander; "
        "Upload: the "
        '"Add both files" note; Generate: the Generate button; History: the page count under 10 cards), against a '
        "hello-world script (`bench/out/pages/hello/hello.py`: a title and a line) served by the same "
        "command and config. "
        f"Cold: the first visit after the server starts, so it pays for the imports; median of {reps_cold}, "
        f"each on a new server. Warm: a later visit in a fresh browser context (a new session, and a browser "
        f"that has never loaded Streamlit's scripts); median of {reps_warm}. Returning: a later visit in a "
        "browser context that has visited every page before, so Streamlit's content-hashed scripts come from "
        "its cache, as for a teammate who uses the app daily. "
        "The data folder holds 10 finished jobs and a prepared sample pair.",
        "",
        "| page | cold | ratio | warm | ratio | returning | ratio | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in render.items():
        medians = {kind: statistics.median(runs[kind]) for kind in ("cold", "warm", "returning")}
        cells = " | ".join(f"{medians[kind] * 1000:.0f} ms | **{medians[kind] / base[kind]:.2f}**" for kind in medians)
        target = "" if name == "hello world" else f"at most {TARGET_RENDER} warm, {TARGET_COLD} cold"
        lines.append(f"| {name} | {cells} | {target} |")
    times: dict[int, list[float]] = history["times"]  # type: ignore[assignment]
    big = history["big"]
    small_median, big_median = statistics.median(times[10]), statistics.median(times[big])  # type: ignore[index]
    query: dict[int, float] = history["query"]  # type: ignore[assignment]
    fill_seconds: dict[int, float] = history["fill"]  # type: ignore[assignment]
    lines += [
        "",
        "### History with many jobs",
        "",
        '`AppTest.from_file("app.py").switch_page("pages/3_History.py").run()` repeated against a data '
        "folder filled through `JobStore.add` "
        f"with 10 and with {big:,} finished jobs (each with a poster), alternating, median of "
        f"{len(times[10])} reruns after a first "
        "run; the store's gallery query (one page of 12 and the count) timed alone beside it.",
        "",
        "| jobs | server time per rerun | ratio | gallery query | target |",
        "|---|---|---|---|---|",
        f"| 10 | {small_median * 1000:.0f} ms | 1.00 | {query[10] * 1000:.1f} ms | |",
        f"| {big:,} | {big_median * 1000:.0f} ms | **{big_median / small_median:.2f}** | "
        f"{query[big] * 1000:.1f} ms | at most {TARGET_HISTORY} |",  # type: ignore[index]
        "",
        f"Filling the {big:,}-job folder one `JobStore.add` at a time took {fill_seconds[big]:.1f} s.",  # type: ignore[index]
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md, or append it at the end."""
    current = DOCS.read_text()
    if SECTION in current:
        before, _, after = current.partition(SECTION)
        rest = after.split("\n## ", 1)
        tail = ("\n## " + rest[1]) if len(rest) > 1 else ""
        DOCS.write_text(before + text.rstrip("\n") + "\n" + tail)
    else:
        DOCS.write_text(current.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: few repetitions, 1,000 jobs instead of 10,000"
    )
    parser.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.quick:
        render = bench_render(reps_cold=1, reps_warm=2)
        history = bench_history(reps=3, big=1_000)
    else:
        render = bench_render(reps_cold=3, reps_warm=7)
        history = bench_history(reps=15, big=10_000)
    text = report(render, history, args.quick)
    print(text)
    (OUT / "pages.md").write_text(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
