"""Takes on Generate (AppTest on the real store and queue; no worker, so queued takes stay queued):
each press queues a take, variations make exactly N even on a double click, drafts, recent prompts and
presets are kept in the store, and a tab only opens the pair it names."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, load_settings
from lib.files.storage import storage_for
from lib.jobs import Job, JobRequest, JobStatus, JobStore, PreparedInputs, Variation
from lib.jobs.models import now_iso
from lib.novita import NovitaClient, Orientation
from lib.novita.rules import model_for
from lib.pairs.drafts import Draft, Drafts, Preset, Reconciled, reconcile, take_paths
from lib.worker import queue_job, submit
from lib.worker.heartbeat import WAITING_FOR_KEY
from lib.worker.takes import already_running, balance_refusal, token_spent, typed_key, variations
from tests.conftest import TEST_API_KEY

PAIR = "pair-1"


def prepare(character: Path, motion: Path) -> PreparedInputs:
    store = JobStore(load_settings(secrets={}).db_path)
    return store.save_prepared(PreparedInputs(PAIR, str(character), str(motion), "image", now_iso()))


def generate_page(pair: str | None = PAIR) -> AppTest:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/2_Generate.py")
    if pair:
        app.query_params["pair"] = pair
    app.run()
    assert not app.exception, app.exception
    return app


def said(app: AppTest) -> str:
    return "\n".join(e.value for e in [*app.markdown, *app.info, *app.error, *app.caption])


def test_each_new_prompt_queues_a_take_and_the_same_one_again_is_the_take_running(
    settings, character_png, motion_mp4
) -> None:
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    for prompt in ("on a beach", "in a city"):
        app.text_area(key="prompt").set_value(prompt).run()
        app.button(key="generate").click().run()
        assert not app.exception and not app.button(key="generate").disabled
    app.text_area(key="prompt").set_value("on a beach").run()
    app.button(key="generate").click().run()

    takes = JobStore(settings.db_path).takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    assert [job.prompt for job in takes] == ["on a beach", "in a city"]
    assert "Take 1 is already running with these settings." in said(app)
    text = said(app)
    assert "**Take 2** · Kling 2.6 Pro" in text and "Prompt: in a city" in text and "**Take 1**" in text


def test_variations_make_exactly_n_takes_even_on_a_double_click(settings, character_png, motion_mp4) -> None:
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    app.text_area(key="prompt").set_value("dancing in the rain").run()
    app.number_input(key="variations").set_value(2).run()
    assert "2 takes x $0.49 = $0.98" in said(app)
    assert app.metric[0].value == "$0.98"
    app.button(key="generate").click().run()
    app.button(key="generate").click().run()  # the second click of a double click: the same token
    takes = JobStore(settings.db_path).takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    assert len(takes) == 2 and {job.prompt for job in takes} == {"dancing in the rain"}
    assert len({job.submission_key for job in takes}) == 2
    app.number_input(key="variations").set_value(3).run()  # a new request: a new press makes 3 more
    app.button(key="generate").click().run()
    assert len(JobStore(settings.db_path).takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))) == 5


def test_a_variation_is_not_absorbed_by_the_same_request_in_flight(settings, character_png, motion_mp4) -> None:
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="twice on purpose")
    plain = queue_job(request, settings)
    first = queue_job(
        Variation(character_png, motion_mp4, Orientation.IMAGE, "twice on purpose", key="t-0"),
        settings,
        submission_key="t-0",
    )
    again = queue_job(
        Variation(character_png, motion_mp4, Orientation.IMAGE, "twice on purpose", key="t-0"),
        settings,
        submission_key="t-0",
    )
    assert first.id != plain.id and again.id == first.id
    assert queue_job(request, settings).id == plain.id


def test_the_draft_survives_a_switch_to_upload_and_back_and_a_new_tab(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    app = generate_page()
    app.text_area(key="prompt").set_value("a dancer at golden hour").run()
    app.text_area(key="negative_prompt").set_value("blurry").run()
    app.radio(key="gen_orientation").set_value("video").run()
    app.toggle(key="keep_sound").set_value(False).run()
    app.query_params.clear()  # a sidebar link clears the address, as in a browser
    app.switch_page("pages/1_Upload.py").run()
    assert not app.exception
    app.switch_page("pages/2_Generate.py").run()
    assert not app.exception
    for same in (app, generate_page()):  # back in this tab, and a second tab on the same pair's address
        assert same.text_area(key="prompt").value == "a dancer at golden hour"
        assert same.text_area(key="negative_prompt").value == "blurry"
        assert same.radio(key="gen_orientation").value == "video"
        assert same.toggle(key="keep_sound").value is False
    assert Drafts(settings.db_path).get(PAIR) == Draft(
        PAIR, "a dancer at golden hour", "blurry", "video", "kling-v2.6-pro", False
    )


def test_recent_prompts_and_presets_fill_the_prompt_box(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    drafts = Drafts(settings.db_path)
    drafts.save_preset(Preset("Beach", "a sunny beach, cinematic", "blurry"))
    queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="older prompt"), settings)
    queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="newer prompt"), settings)
    assert drafts.recent_prompts() == ["newer prompt", "older prompt"]
    app = generate_page()
    app.selectbox(key="recent_prompt").set_value("older prompt").run()
    assert app.text_area(key="prompt").value == "older prompt"
    app.selectbox(key="preset").select_index(0).run()
    assert app.text_area(key="prompt").value == "a sunny beach, cinematic"
    assert app.text_area(key="negative_prompt").value == "blurry"
    assert drafts.get(PAIR).prompt == "a sunny beach, cinematic"


def test_a_tab_without_a_pair_opens_none_on_its_own(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    app = generate_page(pair=None)
    assert "Nothing prepared in this tab yet" in said(app)
    assert not app.text_area  # no one else's inputs
    links = {link.proto.label: link.proto.query_string for link in app.get("page_link")}
    assert "Go to Upload" in links
    assert any(query == f"pair={PAIR}" for label, query in links.items() if label != "Go to Upload")


def test_a_preset_saved_on_the_page_is_offered_under_presets(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    app = generate_page()
    app.text_input(key="preset_name").set_value("Snow").run()
    app.button(key="save_preset").click().run()
    assert "Type a prompt and a name" in said(app) and Drafts(settings.db_path).presets() == []
    app.text_area(key="prompt").set_value("falling snow, soft light").run()
    app.text_input(key="preset_name").set_value("Snow").run()
    app.button(key="save_preset").click().run()
    assert Drafts(settings.db_path).presets() == [Preset("Snow", "falling snow, soft light", "")]
    assert app.selectbox(key="preset").options == ["Snow"]


def test_settings_put_in_the_boxes_by_a_rerun_become_the_pairs_draft(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    Drafts(settings.db_path).save(Draft(PAIR, "typed before", character_orientation="image", model="kling-v2.6-pro"))
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/2_Generate.py")
    # what History's Re-run leaves for Generate
    app.session_state["prepared_id"] = PAIR
    app.session_state["prompt"], app.session_state["negative_prompt"] = "the job's prompt", "the job's negative"
    app.session_state["gen_orientation"], app.session_state["gen_model"] = "video", "kling-v2.6-pro"
    app.session_state["keep_sound"] = True
    app.run()
    assert not app.exception
    assert app.text_area(key="prompt").value == "the job's prompt"
    assert Drafts(settings.db_path).get(PAIR).prompt == "the job's prompt"


def test_opening_another_pair_in_the_tab_shows_that_pairs_draft(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    JobStore(settings.db_path).save_prepared(
        PreparedInputs("pair-2", str(character_png), str(motion_mp4), "video", now_iso())
    )
    app = generate_page()
    app.text_area(key="prompt").set_value("for pair one").run()
    app.query_params["pair"] = "pair-2"
    app.run()
    assert app.text_area(key="prompt").value == "" and app.radio(key="gen_orientation").value == "video"
    app.query_params["pair"] = PAIR
    app.run()
    assert app.text_area(key="prompt").value == "for pair one"


def test_a_long_list_of_takes_shows_the_newest_ten(settings, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    for n in range(12):
        queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt=f"take number {n + 1}"), settings)
    text = said(generate_page())
    assert "The newest 10 of 12 takes; every take is in History." in text
    assert "**Take 12**" in text and "**Take 3**" in text and "**Take 2**" not in text


def test_a_take_that_may_have_been_sent_is_settled_on_the_page(settings, character_png, motion_mp4) -> None:
    """Not made: the take fails plainly and the same request goes out again. Made: it follows the typed task."""
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    app.button(key="generate").click().run()
    store = JobStore(settings.db_path)
    (first,) = store.takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    store.update(first.id, status=JobStatus.MAYBE_SUBMITTED, lease="a-dead-sender", failure_reason="cut short")
    app.run()
    assert "I checked: it was not made, send it again" in [b.label for b in app.button]
    app.button(key=f"not_made_{first.id}").click().run()
    assert not app.exception, app.exception
    first_now, again = store.takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    assert first_now.status is JobStatus.FAILED and "not made" in (first_now.failure_reason or "").lower()
    assert again.status is JobStatus.SUBMITTING and again.prompt == first.prompt

    store.update(again.id, status=JobStatus.MAYBE_SUBMITTED, lease="another-dead-sender")
    app.run()
    app.text_input(key=f"task_id_{again.id}").set_value("task-seen-on-the-dashboard").run()
    app.button(key=f"made_{again.id}").click().run()
    followed = store.get(again.id)
    assert followed is not None and followed.status is JobStatus.QUEUED
    assert followed.task_id == "task-seen-on-the-dashboard"


def test_a_take_of_a_key_nobody_holds_says_it_waits_for_that_key(settings, character_png, motion_mp4) -> None:
    prepared = prepare(character_png, motion_mp4)
    image, video = take_paths(prepared, settings.inputs_dir, storage_for(settings))
    app = generate_page()
    app.button(key="generate").click().run()
    store = JobStore(settings.db_path)
    (take,) = store.takes(image, video)
    store.update(take.id, status=JobStatus.PROCESSING, task_id="t", key_fingerprint="a-closed-tabs-key")
    app.run()
    assert not app.exception
    assert WAITING_FOR_KEY in said(app) and "blocks nothing" in said(app)


# What a press decides, from values (no AppTest) ---------------------------------------------------


def test_variations_copy_every_field_of_the_request_and_name_each_by_the_token(character_png, motion_mp4) -> None:
    request = JobRequest(character_png, motion_mp4, Orientation.VIDEO, "p", "n", False, model_for("kling-v3.0-std"))
    assert variations(request, 1, "tok") == [(request, None)]
    takes = variations(request, 3, "tok")
    assert [key for _, key in takes] == ["tok-0", "tok-1", "tok-2"]
    for take, key in takes:
        assert isinstance(take, Variation) and take.key == key
        assert all(getattr(take, f.name) == getattr(request, f.name) for f in fields(JobRequest))


def test_a_token_is_spent_once_every_take_it_named_has_ended() -> None:
    def job(key: str | None, status: JobStatus) -> Job:
        return Job(key or "x", "h", status, "image", submission_key=key, created_at="t", updated_at="t")

    assert not token_spent([], "tok")
    assert not token_spent([job("tok-0", JobStatus.SUCCEEDED), job("tok-1", JobStatus.QUEUED)], "tok")
    assert token_spent(
        [job("tok-0", JobStatus.SUCCEEDED), job("tok-1", JobStatus.FAILED), job(None, JobStatus.QUEUED)], "tok"
    )


def test_the_balance_refuses_takes_it_cannot_pay_and_demo_mode_never_asks() -> None:
    def unreachable() -> float:
        raise AssertionError("demo mode asked for the balance")

    assert balance_refusal(5.0, True, unreachable) is None
    assert balance_refusal(1.0, False, lambda: 2.0) is None
    assert balance_refusal(1.0, False, lambda: None) is None  # unknown: the service still refuses
    assert "$0.50" in str(balance_refusal(1.4, False, lambda: 0.5))


def test_only_a_key_typed_into_the_session_sends_from_the_tab(settings) -> None:
    assert typed_key(settings, None) is None  # demo mode
    assert typed_key(replace(settings, api_key="sk_server"), "sk_server") is None
    assert typed_key(replace(settings, api_key="sk_typed"), None) == "sk_typed"


def test_the_note_names_the_takes_already_running() -> None:
    assert already_running([]) is None
    assert already_running([2]) == "Take 2 is already running with these settings."
    assert already_running([3, 1]) == "Take 1 and 3 are already running with these settings."


def test_a_typed_key_records_and_sends_from_the_tab_and_the_deployment_key_queues(
    settings, sim, hosting, character_png, motion_mp4
) -> None:
    live = replace(settings, api_key=None, api_base_url=sim.url, public_base_url=hosting.base_url)
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="typed key")
    sent = submit(request, live, session_key=TEST_API_KEY, hosting=hosting)
    assert sent.status is JobStatus.QUEUED and sent.task_id  # posted here: no worker holds a typed key
    assert sent.key_fingerprint == NovitaClient(TEST_API_KEY, sim.url).key_fingerprint
    assert submit(request, live, session_key=TEST_API_KEY, hosting=hosting).id == sent.id  # in flight: the same job
    queued = submit(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="queued"), settings)
    assert queued.status is JobStatus.SUBMITTING and queued.service == "simulator"


def test_draft_reconciliation_fills_from_the_store_keeps_typed_boxes_and_moves_nothing_between_pairs() -> None:
    pair = PreparedInputs("b", "i.png", "v.mp4", "video", now_iso(), model="kling-v3.0-pro")
    # Nothing in the boxes and nothing stored: the pair's own settings, stored so a later pair knows them.
    fresh = reconcile(None, None, None, pair)
    assert fresh == Reconciled(Draft("b", character_orientation="video", model="kling-v3.0-pro"), fill=True, save=True)
    # Nothing in the boxes (a page switch): the stored draft fills them.
    stored = Draft("b", "on a beach", "", "image", "kling-v2.6-pro", False)
    assert reconcile(None, None, stored, pair) == Reconciled(stored, fill=True)
    # Boxes typed into (or set by Re-run): they are the draft, and the next press is a new request.
    typed = Draft("b", "in a city")
    assert reconcile(typed, None, stored, pair) == Reconciled(typed, save=True, new_request=True)
    assert reconcile(stored, None, stored, pair) == Reconciled(stored)
    # Boxes still holding pair a's stored draft belong to a: b's own draft fills them.
    previous = Draft("a", "in a city")
    assert reconcile(typed, previous, stored, pair) == Reconciled(stored, fill=True)


def test_the_already_running_note_goes_once_that_take_ends(settings, character_png, motion_mp4) -> None:
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    app.text_area(key="prompt").set_value("on a beach").run()
    app.button(key="generate").click().run()
    app.button(key="generate").click().run()
    assert "Take 1 is already running with these settings." in said(app)
    store = JobStore(settings.db_path)
    (take,) = store.takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    store.update(take.id, status=JobStatus.FAILED, failure_reason="The render failed.")
    app.run()
    assert "already running" not in said(app)


def test_a_queued_take_says_on_its_card_why_it_waits_and_can_be_cancelled_unsent(
    settings, character_png, motion_mp4
) -> None:
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    app.button(key="generate").click().run()
    (take,) = JobStore(settings.db_path).takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    assert "Waiting to be sent: **No worker is running**" in said(app)
    app.button(key=f"cancel_{take.id}").click().run()
    cancelled = JobStore(settings.db_path).get(take.id)
    assert cancelled.status is JobStatus.FAILED and cancelled.failure_reason.startswith("Cancelled")
    assert "Cancelled before it was sent" in said(app)
    assert not [b for b in app.button if b.key == f"cancel_{take.id}"]


def test_a_done_take_card_has_favourite_compare_history_and_download(settings, character_png, motion_mp4) -> None:
    prepared = prepare(character_png, motion_mp4)
    app = generate_page()
    app.button(key="generate").click().run()
    store = JobStore(settings.db_path)
    (take,) = store.takes(*take_paths(prepared, settings.inputs_dir, storage_for(settings)))
    store.update(take.id, status=JobStatus.SUCCEEDED, result_path=str(motion_mp4), finished_at=now_iso())
    app.run()
    app.button(key=f"favourite_{take.id}").click().run()
    assert store.get(take.id).favorite
    app.button(key=f"pick_to_compare_{take.id}").click().run()
    assert app.session_state["compare_picks"] == [take.id]
    assert any(link.label == "History" and f"job={take.id}" in str(link.proto) for link in app.get("page_link"))
    assert any('download="motion_' in m.value and "/app/static/" in m.value for m in app.markdown)
