"""Issue 12, section 1: Kling 2.6 Pro, 3.0 Standard and 3.0 Pro, one table each; preflight, fixes,
the cost, the simulator, the jobs and the history follow the model chosen."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from dataclasses import fields, replace
from pathlib import Path

import pytest
import requests
import sqlite_utils

from lib.config import load_settings
from lib.errors import SettingInvalid
from lib.files.digest import content_digest
from lib.files.storage import storage_for
from lib.history.export import history_csv, history_json
from lib.history.gallery import request_from, set_up_rerun
from lib.jobs import JobRequest, JobStatus, JobStore, submit_job
from lib.jobs.submit import record_job
from lib.media import check_prompts, check_video, fix_video
from lib.media.checklist import checklist
from lib.media.preflight import Code
from lib.money import fail_if_over_balance, spend_rows
from lib.novita import SUBMIT_PATH, Orientation
from lib.novita.rules import (
    DEFAULT_MODEL,
    KLING_V26_PRO,
    KLING_V30_PRO,
    KLING_V30_STD,
    MAX_BYTES,
    MAX_SECONDS,
    MODELS,
    ORIENTATIONS,
    Model,
    model_for,
)
from lib.pairs.prepared import pair_id
from lib.simulator import rules as simulator_rules
from lib.simulator.billing import Ledger
from lib.store.legacy import migrations
from tests.conftest import TEST_API_KEY
from tests.jobs_support import a_job

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}
PRICES = {"kling-v2.6-pro": 0.1, "kling-v3.0-std": 0.2, "kling-v3.0-pro": 0.4}  # apart, so a mix-up shows


# The table ----------------------------------------------------------------------------------------


def test_each_model_has_its_row_and_a_source_for_every_value() -> None:
    assert [(m.word, m.label) for m in MODELS] == [
        ("kling-v2.6-pro", "Kling 2.6 Pro"),
        ("kling-v3.0-std", "Kling 3.0 Standard"),
        ("kling-v3.0-pro", "Kling 3.0 Pro"),
    ]
    valued = {f.name for f in fields(Model)} - {"word", "label", "price_setting", "sources"}
    for model in MODELS:
        assert set(model.sources) == valued and all(model.sources.values()), model
    assert [m.model_name for m in MODELS] == [None, "kling-v3-0-std", "kling-v3-0-pro"]
    assert [m.max_prompt for m in MODELS] == [None, 2500, 2500]
    assert {m.submit_path for m in MODELS} == {
        "/v3/async/kling-v2.6-pro-motion-control",
        "/v3/async/kling-v3.0-motion-control",
    }
    # 2.6 Pro stays the default, and the names scripts use stay its values
    assert DEFAULT_MODEL is KLING_V26_PRO and model_for(None) is KLING_V26_PRO
    assert KLING_V26_PRO.submit_path == SUBMIT_PATH
    assert KLING_V26_PRO.max_bytes == MAX_BYTES and KLING_V26_PRO.max_seconds == MAX_SECONDS
    assert Orientation.IMAGE.max_video_seconds == KLING_V26_PRO.max_video_seconds("image") == 10.0
    assert model_for("Kling 3.0 Pro") is model_for("kling-v3.0-pro") is KLING_V30_PRO
    with pytest.raises(ValueError, match="kling-v2.6-pro, kling-v3.0-std, kling-v3.0-pro"):
        model_for("kling-v4")


def test_the_orientation_conflict_is_a_value_and_the_estimate_takes_the_longer() -> None:
    """Novita's 3.0 page: orientation image gives 5 s of output; Kling's API: up to 10 s of reference video."""
    for model in (KLING_V30_STD, KLING_V30_PRO):
        assert model.max_video_seconds("image") == 10.0 and model.max_video_seconds(Orientation.VIDEO) == 30.0
        assert model.billed_seconds(8.0, "image") == 8.0  # never cut to Novita's 5 s: it may be billed
        assert "5 s" in model.sources["output_seconds"] and "10 s" in model.sources["output_seconds"]
    for model in MODELS:
        for orientation in ORIENTATIONS:
            assert model.output_seconds[orientation] >= model.max_video_seconds(orientation)
            assert model.billed_seconds(40.0, orientation) == model.output_seconds[orientation]


def test_each_model_has_its_price_setting() -> None:
    assert [load_settings({}, {}).price_for(m) for m in MODELS] == [0.14, 0.28, 0.28]
    given = {"PRICE_PER_SECOND": "0.1", "PRICE_PER_SECOND_V3_STD": "0.2", "PRICE_PER_SECOND_V3_PRO": "0.4"}
    assert [load_settings(given, {}).price_for(m) for m in MODELS] == list(PRICES.values())
    with pytest.raises(SettingInvalid, match="PRICE_PER_SECOND_V3_PRO is 'lots'"):
        load_settings({"PRICE_PER_SECOND_V3_PRO": "lots"}, {})


def test_the_app_and_the_simulator_read_the_reference_alike_for_each_model() -> None:
    """Two copies written apart (the simulator never imports the app's rules) must agree."""
    for model in MODELS:
        theirs = simulator_rules.SUBMIT_RULES[model.submit_path]
        assert (theirs.max_bytes, theirs.min_side, theirs.max_aspect, theirs.min_seconds) == (
            model.max_bytes,
            model.min_side,
            model.max_aspect,
            model.min_seconds,
        )
        assert (theirs.max_seconds("image"), theirs.max_seconds("video")) == (
            model.max_video_seconds("image"),
            model.max_video_seconds("video"),
        )
        assert (theirs.max_prompt, theirs.max_negative_prompt) == (model.max_prompt, model.max_negative_prompt)
    assert (KLING_V30_STD.model_name, KLING_V30_PRO.model_name) == simulator_rules.V30_MODEL_NAMES


# Preflight and fixes ------------------------------------------------------------------------------


def test_the_prompt_limit_switches_with_the_model() -> None:
    long = "a dancer " * 289  # 2,601 characters
    assert check_prompts(long, "").ok and check_prompts(long, "", KLING_V26_PRO).ok
    for model in (KLING_V30_STD, KLING_V30_PRO):
        problems = check_prompts(long, "", model).problems
        assert [(p.code, p.value, p.limit) for p in problems] == [(Code.PROMPT_LENGTH, 2601, 2500)]
        assert f"with Model: {model.label}" in problems[0].message
        assert check_prompts(long[:2500], "", model).ok


def test_the_length_rule_and_its_checklist_follow_the_model(long_motion_mp4: Path) -> None:
    for model in MODELS:
        report = check_video(long_motion_mp4, "image", model=model)
        assert [(p.code, p.limit) for p in report.problems] == [(Code.DURATION, model.max_video_seconds("image"))]
        assert ("Model: Kling" in report.problems[0].message) is (model is not KLING_V26_PRO)
        assert checklist(report, "image", model)[-1].limit == f"3 s to {model.max_video_seconds('image'):g} s"
        assert check_video(long_motion_mp4, "video", model=model).ok
    assert "(Model: Kling 3.0 Pro)" in check_video(long_motion_mp4, "image", model=KLING_V30_PRO).problems[0].message


def test_a_video_fixed_for_30_pro_passes_its_rules(long_motion_mp4: Path, tmp_path: Path) -> None:
    fixed = fix_video(long_motion_mp4, tmp_path, "image", model=KLING_V30_PRO)
    report = check_video(fixed, "image", model=KLING_V30_PRO)
    assert report.ok and report.facts["duration"] <= KLING_V30_PRO.max_video_seconds("image")
    # the same limits make the same file, whichever model asked
    assert fix_video(long_motion_mp4, tmp_path, "image") == fixed


# The simulator ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.word)
def test_each_model_goes_to_its_endpoint_is_recorded_and_billed_at_its_price(
    model, sim, control, store, client, hosting, character_png, motion_mp4
) -> None:
    control.configure(
        price_per_second=PRICES["kling-v2.6-pro"],
        price_per_second_v3_std=PRICES["kling-v3.0-std"],
        price_per_second_v3_pro=PRICES["kling-v3.0-pro"],
    )
    balance = control.state()["config"]["balance_usd"]
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="on a beach", model=model)
    job = submit_job(request, store=store, client=client, hosting=hosting)
    assert job.status is JobStatus.QUEUED and store.get(job.id).model == model.word

    state = control.state()
    [sent] = [entry for entry in state["requests"] if entry["route"] == "submit"]
    assert sent["path"] == model.submit_path
    assert sent["body"].get("model_name", "absent") == (model.model_name or "absent")
    assert (sent["body"]["prompt"], sent["body"]["character_orientation"]) == ("on a beach", "image")
    assert sent["body"]["image"].startswith("<base64, ")  # cut short in the log, sent whole
    [task] = [t for t in state["tasks"] if t["task_id"] == job.task_id]
    assert task["cost_usd"] == pytest.approx(task["duration"] * PRICES[model.word])
    assert state["config"]["balance_usd"] == pytest.approx(balance - task["cost_usd"])
    [charge] = Ledger(sim.simulator.state_dir).charges()
    assert charge.usd == pytest.approx(task["cost_usd"])
    endpoint = model.submit_path.rsplit("/", 1)[1]
    assert charge.product == (f"{endpoint} ({model.model_name})" if model.model_name else endpoint)


def test_the_30_endpoint_refuses_an_unknown_model_name_and_runs_standard_without_one(
    sim, control, hosting, character_png, motion_mp4
) -> None:
    path = KLING_V30_STD.submit_path
    body = {
        "image": base64.b64encode(character_png.read_bytes()).decode(),
        "video": hosting.url_for(motion_mp4),
        "character_orientation": "image",
    }
    refused = requests.post(sim.url + path, json={**body, "model_name": "kling-v3-0-max"}, headers=AUTH, timeout=30)
    assert refused.status_code == 400
    assert refused.json() == {
        "code": 400,
        "reason": "INVALID_REQUEST_BODY",
        "message": "'model_name' must be one of kling-v3-0-std, kling-v3-0-pro",
        "metadata": {},
    }
    too_long = requests.post(sim.url + path, json={**body, "prompt": "x" * 2501}, headers=AUTH, timeout=30)
    assert too_long.status_code == 400 and "'prompt'" in too_long.json()["message"]
    assert control.task_count() == 0
    plain = requests.post(sim.url + path, json=body, headers=AUTH, timeout=30)
    assert plain.status_code == 200, plain.text
    [task] = control.state()["tasks"]
    assert task["model"] == "kling-v3-0-std" and task["cost_usd"] == pytest.approx(task["duration"] * 0.28)
    on_26 = requests.post(sim.url + SUBMIT_PATH, json={**body, "prompt": "x" * 2501}, headers=AUTH, timeout=30)
    assert on_26.status_code == 200, on_26.text  # 2.6 Pro documents no prompt limit


# Jobs and history ---------------------------------------------------------------------------------


def test_the_same_inputs_on_another_model_are_another_job(store, character_png, motion_mp4) -> None:
    request = JobRequest(character_png, motion_mp4, Orientation.VIDEO, prompt="spin")
    first, _ = record_job(request, store=store, key_fingerprint="k")
    again, is_new = record_job(request, store=store, key_fingerprint="k")
    assert again.id == first.id and not is_new
    other, is_new = record_job(replace(request, model=KLING_V30_PRO), store=store, key_fingerprint="k")
    assert is_new and other.id != first.id and (first.model, other.model) == ("kling-v2.6-pro", "kling-v3.0-pro")
    # 2.6 Pro's hash is the one from before models, so a job in flight then is still found
    before = {
        "image": content_digest(character_png),
        "video": content_digest(motion_mp4),
        "character_orientation": "video",
        "prompt": "spin",
        "negative_prompt": "",
        "keep_original_sound": True,
    }
    assert first.content_hash == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()


def test_the_balance_check_and_the_estimates_use_each_jobs_model(store, client, control, settings) -> None:
    control.configure(balance_usd=0.7)
    cheap = store.add(a_job("cheap", output_seconds=3.5))  # 2.6 Pro: 0.49
    dear = store.add(a_job("dear", output_seconds=3.5, model="kling-v3.0-pro"))  # 0.98
    assert not fail_if_over_balance(cheap, store, client, settings.price_for)
    assert fail_if_over_balance(dear, store, client, settings.price_for)
    refused = store.get(dear.id)
    assert refused.status is JobStatus.FAILED and "0.98" in refused.failure_reason
    sent = [replace(job, task_id="t", status=JobStatus.SUCCEEDED) for job in (cheap, refused)]
    assert [row.estimated_usd for row in spend_rows(sent, settings.price_for, None)] == [pytest.approx(1.47)]


def test_rows_from_before_models_read_as_kling_26_pro(settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(settings.db_path)
    migrations.apply(db, stop_before="0005_models")
    stamp = "2026-11-01T10:00:00.000+00:00"
    db["jobs"].insert(
        {"id": "old", "content_hash": "h", "status": "succeeded", "character_orientation": "image"}
        | {"created_at": stamp, "updated_at": stamp}
    )
    db["prepared_inputs"].insert(
        {"id": "old-pair", "image_path": "a.png", "video_path": "b.mp4", "character_orientation": "image"}
        | {"created_at": stamp}
    )
    db.close()
    store = JobStore(settings.db_path)
    assert store.get("old").model == "kling-v2.6-pro" and model_for(store.get("old").model) is KLING_V26_PRO
    assert store.prepared("old-pair").model == "kling-v2.6-pro"


def test_a_rerun_keeps_the_model_and_the_exports_name_it(settings, store, character_png, motion_mp4) -> None:
    job = store.add(
        a_job(
            image_path=str(character_png),
            video_path=str(motion_mp4),
            character_orientation="video",
            model="kling-v3.0-std",
            status=JobStatus.SUCCEEDED,
        )
    )
    rerun = set_up_rerun(store, job, storage_for(settings))
    assert rerun.model == "kling-v3.0-std" and store.prepared(rerun.prepared_id).model == "kling-v3.0-std"
    assert rerun.prepared_id == pair_id(character_png, motion_mp4, "video", KLING_V30_STD)
    assert rerun.prepared_id != pair_id(character_png, motion_mp4, "video")  # not 2.6 Pro's pair
    assert request_from(job).model is KLING_V30_STD
    assert json.loads(history_json([job]))[0]["model"] == "kling-v3.0-std"
    (row,) = csv.DictReader(io.StringIO(history_csv([job]).decode()))
    assert row["Model"] == "Kling 3.0 Standard"
