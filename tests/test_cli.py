"""`python -m lib.cli` as scripts run it: real processes, a real worker in demo mode, real media and store.

One worker serves the module (its own data folder); tests that need no worker, or need none to be
running, use the per-test data folder, where no worker ever runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.cli.main import STATUS_WORDS, main
from lib.cli.output import Out
from lib.cli.submitting import NO_WORKER, follow
from lib.jobs.models import Job, JobStatus
from lib.jobs.store import JobStore
from lib.media import check_video
from lib.simulator import SimulatorControl
from lib.worker.heartbeat import WAITING_FOR_KEY, WorkerBeat, Workers
from lib.worker.queue import queue_for
from lib.worker.wiring import key_fingerprint
from tests import content_support
from tests.fixtures_media import MediaShelf
from tests.jobs_support import stored_job
from tests.processes import stop
from tests.worker_support import ROOT, TEST_POLL_SECONDS, child_environment, worker_process

UMASK = os.umask(0)
os.umask(UMASK)  # the CLI runs with this process's umask


@dataclass(frozen=True)
class Served:
    """The module's data folder, its static folder, and the demo simulator its worker runs."""

    data_dir: Path
    static_dir: Path
    simulator_url: str


def cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lib.cli", *args],
        cwd=ROOT,
        env=child_environment(data_dir, {"MOTION_STUDIO_STATIC_DIR": str(data_dir.parent / "static"), **(env or {})}),
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.fixture
def cli_here(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """The command line run in this process through `main(argv)`, for commands that need no worker; its
    answer looks like `cli`'s finished child process (exit code, stdout, stderr)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("POLL_SECONDS", TEST_POLL_SECONDS)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["lib.cli", *args], code, out, err)

    return run


def answer(done: subprocess.CompletedProcess[str]):
    """The JSON a script reads from stdout."""
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"exit {done.returncode}, stdout {done.stdout!r}, stderr:\n{done.stderr}") from None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("cli-served")
    data_dir, static_dir, log = root / "data", root / "static", root / "worker.log"
    env = {"SIMULATOR_PROCESSING_SECONDS": "0.5", "MOTION_STUDIO_STATIC_DIR": str(static_dir)}
    with worker_process(data_dir, log, env):
        found = re.search(r"serves on (http://\S+)", log.read_text())
        assert found, log.read_text()
        yield Served(data_dir, static_dir, found.group(1))


@pytest.fixture(scope="module")
def files(media: MediaShelf) -> dict[str, Path]:
    return {
        "image": media.image("cli-character.png", 480, 640),
        "small image": media.image("cli-small.png", 200, 200),
        "video": media.video("cli-motion.mp4", width=480, height=360, seconds=3.5),
        "long video": media.video("cli-long.mp4", width=480, height=360, seconds=11.0, fps=12),
        "text": media.raw("cli-notes.txt", b"just some words\n" * 50),
    }


def submit_args(image: Path | str, video: Path | str, *extra: str) -> list[str]:
    return ["submit", "--image", str(image), "--video", str(video), "--orientation", "image", *extra]


# --- check and fix ----------------------------------------------------------------------------------


def test_check_names_each_broken_rule_by_its_code(cli_here, files, data_dir) -> None:
    small = cli_here("--json", "check", str(files["small image"]))
    assert small.returncode == 1, small.stderr
    assert answer(small)["kind"] == "image" and not answer(small)["ok"]
    assert [p["code"] for p in answer(small)["problems"]] == ["min_side"]
    assert "at least 300 px" in answer(small)["problems"][0]["message"]

    long = cli_here("check", str(files["long video"]), "--json")
    assert long.returncode == 1
    assert [p["code"] for p in answer(long)["problems"]] == ["duration"]
    assert answer(long)["facts"]["duration"] == pytest.approx(11.0, abs=0.1)
    # The same clip passes when the character faces as in the video (up to 30 s).
    as_video = cli_here("check", str(files["long video"]), "--orientation", "video")
    assert as_video.returncode == 0 and "passes every rule" in as_video.stdout

    neither = cli_here("check", str(files["text"]), "--json")
    assert neither.returncode == 1
    assert answer(neither)["kind"] is None
    assert [p["code"] for p in answer(neither)["problems"]] == ["unreadable"]
    assert "neither an image nor a video" in answer(neither)["problems"][0]["message"]

    missing = cli_here("check", str(data_dir / "nowhere.png"))
    assert missing.returncode == 1 and "There is no file at" in missing.stderr


def test_fix_makes_a_file_that_passes_and_leaves_a_good_one_alone(cli_here, files, tmp_path, data_dir) -> None:
    fixed = cli_here("fix", str(files["long video"]), "--out", str(tmp_path / "fixed"), "--json")
    assert fixed.returncode == 0, fixed.stderr
    assert answer(fixed)["changed"] is True
    assert Path(answer(fixed)["path"]).parent == tmp_path / "fixed"
    assert check_video(answer(fixed)["path"], "image").ok
    assert stat.S_IMODE(Path(answer(fixed)["path"]).stat().st_mode) == 0o666 & ~UMASK
    assert re.search(r"Fixing cli-long-\w+\.mp4… 100%", fixed.stderr), fixed.stderr

    good = cli_here("fix", str(files["image"]), "--out", str(tmp_path / "fixed"))
    assert good.returncode == 0
    assert good.stdout.strip() == str(files["image"])
    assert "already passes every rule" in good.stderr


# --- submit with a worker ---------------------------------------------------------------------------


def test_submit_wait_then_list_show_and_download(served, files, tmp_path) -> None:
    plain = cli(served.data_dir, *submit_args(files["image"], files["video"], "--prompt", "on the beach", "--wait"))
    assert plain.returncode == 0, plain.stderr
    assert "Done (succeeded)" in plain.stdout and "Prompt: on the beach" in plain.stdout  # plain words by default
    waited = cli(
        served.data_dir,
        *submit_args(files["image"], files["video"], "--prompt", "a dancer at dusk", "--wait", "--json"),
    )
    assert waited.returncode == 0, waited.stderr
    job = answer(waited)
    assert job["status"] == "succeeded" and job["status_label"] == "Done"
    assert job["task_id"] and job["prompt"] == "a dancer at dusk" and job["failure_reason"] is None
    assert Path(job["result_path"]).is_file()
    assert not {"lease", "due_at", "polls", "payload_json"} & set(job)
    assert "Sending…" in waited.stderr

    listed = answer(cli(served.data_dir, "list", "--json", "--status", "succeeded"))
    assert job["id"] in [j["id"] for j in listed]
    assert listed[0]["id"] == job["id"], "newest first"
    assert answer(cli(served.data_dir, "--json", "list", "--limit", "1")) == [job]
    assert job["id"] in cli(served.data_dir, "list").stdout
    assert answer(cli(served.data_dir, "show", job["id"], "--json")) == job

    got = cli(served.data_dir, "download", job["id"], str(tmp_path / "videos"), "--json")
    assert got.returncode == 0, got.stderr
    path = Path(answer(got)["path"])
    assert re.fullmatch(r"motion_\d{4}-\d\d-\d\d_\d{4}_a-dancer-at-dusk\.mp4", path.name)
    assert path.read_bytes() == Path(job["result_path"]).read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~UMASK, "a download is not private to its maker"

    Path(job["result_path"]).rename(tmp_path / "moved.mp4")
    try:
        gone = cli(served.data_dir, "download", job["id"], str(tmp_path / "videos"))
    finally:
        (tmp_path / "moved.mp4").rename(job["result_path"])
    assert gone.returncode == 1 and "no longer at" in gone.stderr


def test_a_failed_job_exits_1_and_has_nothing_to_download(served, files, tmp_path) -> None:
    SimulatorControl(served.simulator_url).fault("fail_task", match="submit", message="the dancer walked off")
    failed = cli(
        served.data_dir, *submit_args(files["image"], files["video"], "--prompt", "doomed", "--wait", "--json")
    )
    assert failed.returncode == 1
    job = answer(failed)
    assert job["status"] == "failed" and "the dancer walked off" in job["failure_reason"]
    assert "did not succeed" in failed.stderr
    refused = cli(served.data_dir, "download", job["id"], str(tmp_path))
    assert refused.returncode == 1 and "has no video to download" in refused.stderr
    failures = answer(cli(served.data_dir, "list", "--json", "--status", "failed"))
    assert job["id"] in [j["id"] for j in failures] and {j["status"] for j in failures} == {"failed"}


def test_links_are_fetched_and_checked_and_the_video_link_is_sent_as_it_is(served, files) -> None:
    served.static_dir.mkdir(parents=True, exist_ok=True)
    for name in ("image", "small image", "video"):
        shutil.copy(files[name], served.static_dir / files[name].name)
    link = f"{served.simulator_url}/app/static/"
    video_link = link + files["video"].name
    private = cli(served.data_dir, *submit_args(link + files["image"].name, video_link, "--prompt", "linked"))
    assert private.returncode == 1 and "private networks" in private.stderr

    allowed = {"ALLOW_PRIVATE_URLS": "1"}
    small = cli(served.data_dir, *submit_args(link + files["small image"].name, video_link), env=allowed)
    assert small.returncode == 1 and "at least 300 px" in small.stderr

    sent = cli(
        served.data_dir,
        *submit_args(link + files["image"].name, video_link, "--prompt", "linked", "--wait", "--json"),
        env=allowed,
    )
    assert sent.returncode == 0, sent.stderr
    job = answer(sent)
    assert job["status"] == "succeeded" and job["video_url"] == video_link and job["billed"] is True
    assert Path(job["video_path"]).is_file() and job["output_seconds"]  # a local copy, measured, for takes and re-run
    assert job["image_url"] is None and Path(job["image_path"]).is_file()  # the image is sent as a file


# --- without a worker ----------------------------------------------------------------------------------


def test_a_refused_input_records_nothing(cli_here, files, data_dir) -> None:
    refused = cli_here(*submit_args(files["small image"], files["long video"], "--json"))
    assert refused.returncode == 1
    assert [p["code"] for p in answer(refused)["problems"]] == ["min_side", "duration"]
    assert "Nothing was submitted" in refused.stderr and "at least 300 px" in refused.stderr
    bad_prompt = cli_here(*submit_args(files["image"], files["video"], "--prompt", "a dancer\x1b"))
    assert bad_prompt.returncode == 1 and "invisible control character" in bad_prompt.stderr
    missing = cli_here(*submit_args(files["image"], data_dir / "nowhere.mp4"))
    assert missing.returncode == 1 and "There is no file at" in missing.stderr
    assert answer(cli_here("list", "--json")) == []


def test_the_same_submit_in_flight_is_one_job_and_wait_gives_up_without_a_worker(cli_here, files, data_dir) -> None:
    args = submit_args(files["image"], files["video"], "--prompt", "twice", "--json")
    first = cli_here(*args)
    assert first.returncode == 0, first.stderr
    assert NO_WORKER in first.stderr
    assert answer(first)["status"] == "submitting"
    second = cli_here(*args, "--wait", "--wait-for-worker", "1")
    assert answer(second)["id"] == answer(first)["id"]
    assert second.returncode == 1
    assert "No worker has run for 1 s" in second.stderr and "stays in the queue" in second.stderr
    assert [job["id"] for job in answer(cli_here("list", "--json"))] == [answer(first)["id"]]


def test_ctrl_c_stops_waiting_and_leaves_the_job_queued(files, data_dir, tmp_path) -> None:
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        waiting = subprocess.Popen(
            [sys.executable, "-m", "lib.cli", *submit_args(files["image"], files["video"], "--wait", "--json")],
            cwd=ROOT,
            env=child_environment(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while "Sending…" not in log.read_text():
            assert waiting.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        waiting.send_signal(signal.SIGINT)
        assert waiting.wait(timeout=30) == 130
    finally:
        stop(waiting)
    assert "Stopped waiting. The job goes on" in log.read_text() and "Traceback" not in log.read_text()
    assert [job["status"] for job in answer(cli(data_dir, "list", "--json"))] == ["submitting"]


def test_list_offers_the_stores_status_words_without_loading_the_store() -> None:
    assert tuple(status.value for status in JobStatus) == STATUS_WORDS
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, lib.cli.main; print(bool({'sqlite_utils','sqlalchemy'} & {*sys.modules}))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"  # `check` and `fix` do not pay for the store


def test_unknown_ids_bad_usage_and_bad_settings(cli_here, data_dir, tmp_path) -> None:
    for command in (["show", "0" * 32], ["download", "0" * 32, str(tmp_path)]):
        unknown = cli_here(*command, "--json")
        assert unknown.returncode == 1
        assert "No job has the id" in unknown.stderr and "No job has the id" in answer(unknown)["error"]
    for usage in (
        [],
        ["submit", "--image", "a.png", "--video", "b.mp4"],
        ["check", "a.png", "--orientation", "sideways"],
        ["list", "--limit", "0"],
        ["list", "--status", "done"],
    ):
        assert cli_here(*usage).returncode == 2, usage
    setting = cli_here("list", env={"PRICE_PER_SECOND": "cheap"})
    assert setting.returncode == 2
    assert "PRICE_PER_SECOND is 'cheap'" in setting.stderr and "Traceback" not in setting.stderr


def test_submit_on_kling_30_pro_goes_to_its_endpoint_and_its_price_stops_it_on_a_low_balance(
    served, files, data_dir
) -> None:
    control = SimulatorControl(served.simulator_url)
    done = cli(
        served.data_dir,
        *submit_args(files["image"], files["video"], "--model", "kling-v3.0-pro", "--prompt", "on 3.0", "--wait"),
        "--json",
    )
    job = answer(done)
    assert done.returncode == 0 and job["status"] == "succeeded" and job["model"] == "kling-v3.0-pro", done.stderr
    state = control.state()
    [sent] = [r for r in state["requests"] if r["route"] == "submit" and r["body"].get("prompt") == "on 3.0"]
    assert sent["path"] == "/v3/async/kling-v3.0-motion-control" and sent["body"]["model_name"] == "kling-v3-0-pro"
    [task] = [t for t in state["tasks"] if t["task_id"] == job["task_id"]]
    assert task["model"] == "kling-v3-0-pro" and task["cost_usd"] == pytest.approx(task["duration"] * 0.28)
    assert "Model: Kling 3.0 Pro" in cli(served.data_dir, "show", job["id"]).stdout

    # 3.5 s: 0.49 USD on 2.6 Pro, 0.98 on 3.0 Pro; a balance between stops only the dearer one, before the POST
    control.configure(balance_usd=0.7)
    try:
        dear = cli(served.data_dir, *submit_args(files["image"], files["video"], "--model", "kling-v3.0-pro", "--wait"))
        cheap = cli(served.data_dir, *submit_args(files["image"], files["video"], "--wait", "--json"))
    finally:
        control.configure(balance_usd=100.0)
    assert dear.returncode == 1 and "0.98" in dear.stderr, dear.stderr
    assert cheap.returncode == 0 and answer(cheap)["model"] == "kling-v2.6-pro", cheap.stderr
    before = [r for r in state["requests"] if r["route"] == "submit"]
    [after] = [r for r in control.state()["requests"] if r["route"] == "submit"][len(before) :]  # one POST, not two
    assert after["path"] == "/v3/async/kling-v2.6-pro-motion-control" and "model_name" not in after["body"]


def test_a_bad_model_is_bad_usage_and_check_names_the_model(cli_here, files, data_dir) -> None:
    bad = cli_here(*submit_args(files["image"], files["video"], "--model", "kling-v4"))
    assert bad.returncode == 2 and "usage:" in bad.stderr and "invalid choice: 'kling-v4'" in bad.stderr
    assert answer(cli_here("list", "--json")) == []
    checked = cli_here("check", str(files["long video"]), "--model", "kling-v3.0-std", "--json")
    report = answer(checked)
    assert checked.returncode == 1 and report["model"] == "kling-v3.0-std"
    assert "(Model: Kling 3.0 Standard)" in report["problems"][0]["message"]


def test_clean_up_says_what_it_freed_as_json_and_in_words(settings, capsys) -> None:
    zips = settings.data_dir / "exports"
    zips.mkdir(parents=True)
    old = zips / "motion_studio-history-20261101T000000000000Z.zip"
    old.write_bytes(b"z" * 2_000_000)
    os.utime(old, (time.time() - 3 * 24 * 3600,) * 2)

    assert main(["clean-up", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["export_zips"] == {"files": 1, "bytes": 2_000_000} and not old.exists()
    assert answer["static_copies"] == answer["upload_partials"] == answer["stored_files"] == {"files": 0, "bytes": 0}
    assert main(["clean-up"]) == 0
    assert capsys.readouterr().out.strip() == "Nothing to remove."


def test_resolve_settles_may_have_been_sent_with_json_and_exit_codes(settings, capsys) -> None:
    unsure, made = stored_job(JobStore(settings.db_path)), stored_job(JobStore(settings.db_path))
    assert main(["resolve", unsure.id, "--not-sent", "--json"]) == 0
    resolved = json.loads(capsys.readouterr().out)
    assert (
        resolved["id"] == unsure.id
        and resolved["status"] == "failed"
        and "not made" in resolved["failure_reason"].lower()
    )
    assert main(["--json", "resolve", made.id, "--task-id", "task-on-the-dashboard"]) == 0
    followed = json.loads(capsys.readouterr().out)
    assert (followed["status"], followed["task_id"]) == ("queued", "task-on-the-dashboard")
    assert main(["resolve", made.id, "--not-sent", "--json"]) == 1  # settled already: refused
    refused = capsys.readouterr()
    assert "no longer" in json.loads(refused.out)["error"] and "no longer" in refused.err
    assert main(["resolve", "no-such-job", "--not-sent"]) == 1
    for usage in (["resolve", made.id], ["resolve", made.id, "--not-sent", "--task-id", "t"]):
        assert main(usage) == 2
    ours = stored_job(JobStore(settings.db_path), key_fingerprint=key_fingerprint(settings))
    assert main(["resolve", ours.id, "--task-id", "t-1"]) == 0
    assert queue_for(settings).huey.pending_count() == 1  # a worker looks now, not at its next sweep


def test_submit_wait_returns_on_a_job_no_worker_can_follow(settings, capsys) -> None:
    """A worker runs, but for another key: the wait ends at once and says what is still open."""
    Workers(settings.db_path).beat(WorkerBeat.for_this_process(key_fingerprint(settings), threads=1))
    stranded = stored_job(
        JobStore(settings.db_path), status=JobStatus.PROCESSING, task_id="t", key_fingerprint="a-closed-tabs-key"
    )
    waited: list[tuple[Job, bool]] = []
    waiting = threading.Thread(
        target=lambda: waited.append(follow(stranded.id, Out(False), settings, 60.0)), daemon=True
    )
    waiting.start()
    waiting.join(timeout=10)
    assert not waiting.is_alive(), "submit --wait waits for ever on a job nobody can follow"
    ((job, stalled),) = waited
    assert job.id == stranded.id and not stalled
    assert WAITING_FOR_KEY in capsys.readouterr().err


# --- content advice in check ------------------------------------------------------------------------


def test_check_gives_content_advice_with_a_still_for_a_clip_with_a_cut(tmp_path, data_dir) -> None:
    clip = content_support.clip(tmp_path, "cut_1_5")
    done = cli(data_dir, "--json", "check", str(clip), "--orientation", "video")
    cuts = [item for item in answer(done)["advice"] if item["code"] == "cut"]
    assert len(cuts) == 1, answer(done)["advice"]
    assert set(cuts[0]) == {"code", "message", "confidence", "at", "frame"}
    assert cuts[0]["at"] == pytest.approx(1.5, abs=0.3) and 0 <= cuts[0]["confidence"] <= 1
    assert Path(cuts[0]["frame"]).is_file() and Path(cuts[0]["frame"]).is_relative_to(data_dir)
    assert "Keep the longest shot (0:01.6–0:04)" in cuts[0]["message"]
    words = cli(data_dir, "check", str(clip), "--orientation", "video")
    assert "Advice (it passes the rules, but may waste a take):" in words.stdout
    assert words.returncode == done.returncode  # advice never changes the exit code


def test_check_of_an_image_and_a_video_adds_the_pairs_advice(tmp_path, data_dir) -> None:
    image = content_support.image(tmp_path, "astronaut-close")
    video = content_support.clip(tmp_path, "wide_one")
    done = cli(data_dir, "--json", "check", "--image", str(image), "--video", str(video))
    pair = answer(done)
    assert pair["image"]["kind"] == "image" and pair["video"]["kind"] == "video"
    assert [item["code"] for item in pair["advice"]] == ["framing_mismatch"]
    assert pair["ok"] == (pair["image"]["ok"] and pair["video"]["ok"])
    alone = cli(data_dir, "check", "--image", str(image))
    assert alone.returncode == 1 and "both --image and --video" in alone.stderr


def test_content_advice_off_leaves_the_check_as_it_was(tmp_path, data_dir) -> None:
    clip = content_support.clip(tmp_path, "cut_1_5")
    done = cli(data_dir, "--json", "check", str(clip), env={"CONTENT_ADVICE": "off"})
    assert answer(done)["advice"] == []
    assert not (data_dir / "advice").exists()
