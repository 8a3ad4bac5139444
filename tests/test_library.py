"""The shared library (issue 11): saved characters and motion clips in a real SQLite file and the data
folder, checked with the real preflight and fixed with the real fixes; Generate picking a pair from it,
the Library page's rename, tag and remove, and Upload's "Save to library", through AppTest."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, Settings
from lib.errors import NotPassing
from lib.jobs import JobStore
from lib.library import Library, LibraryKind, clean_tags
from lib.media import check_image, check_video, fix_image
from lib.novita.rules import MODELS
from lib.pairs.prepared import prepare_pair


@pytest.fixture
def library(settings: Settings) -> Library:
    return Library(settings.database, settings.data_dir / "library")


def test_a_saved_file_is_a_copy_in_the_data_folder_with_a_thumbnail_seen_by_every_user(
    settings, library, character_png, motion_mp4
) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "  Ana  ", tags=("Dancer", "dancer", " studio ,outdoor"))
    clip = library.add(LibraryKind.MOTION, motion_mp4, "Spin")

    assert ana.name == "Ana" and ana.tags == ("Dancer", "studio", "outdoor")
    for item, source in ((ana, character_png), (clip, motion_mp4)):
        assert Path(item.path).parent.parent == settings.data_dir / "library"
        assert Path(item.path).read_bytes() == source.read_bytes() and Path(item.path) != source
        with Image.open(item.thumbnail_path) as still:
            assert still.format == "JPEG" and max(still.size) <= 320
    # Another process (a teammate's tab) opening the same store sees both, newest first.
    teammate = Library(settings.db_path)
    assert [item.id for item in teammate.items()] == [clip.id, ana.id]
    assert teammate.items(LibraryKind.CHARACTER) == [ana]
    assert teammate.get(clip.id) == clip
    rows = (
        sqlite3.connect(settings.db_path).execute("select kind, name, tags from library_items order by name").fetchall()
    )
    assert rows == [("character", "Ana", "Dancer, studio, outdoor"), ("motion", "Spin", "")]


def test_every_saved_file_passes_the_rules_of_every_model(library, media) -> None:
    long_clip = media.video("long.mp4", width=480, height=360, seconds=12.0, audio=False)
    saved = [
        library.add(LibraryKind.CHARACTER, media.image("plain.jpg", 400, 500), "Plain"),
        library.add(LibraryKind.MOTION, long_clip, "Long"),
    ]
    for model in MODELS:
        assert check_image(saved[0].path, model).ok
        assert check_video(saved[1].path, "video", model=model).ok
    # Twelve seconds is too long "As in the image"; Generate checks the way chosen again (see below).
    assert not check_video(saved[1].path, "image").ok


def test_a_file_that_breaks_a_rule_is_refused_and_its_fixed_file_is_saved(settings, library, media) -> None:
    tiny = media.image("tiny.png", 200, 240)
    with pytest.raises(NotPassing, match="fix this one first") as refused:
        library.add(LibraryKind.CHARACTER, tiny, "Tiny")
    assert "300" in str(refused.value)  # the broken rule, in its words
    assert library.items() == [] and not (settings.data_dir / "library" / "characters").exists()

    fixed = fix_image(tiny, settings.data_dir / "fixed")
    item = library.add(LibraryKind.CHARACTER, fixed, "Tiny, fixed")
    assert check_image(item.path).ok and Path(item.path).read_bytes() == fixed.read_bytes()


def test_the_same_content_is_saved_once(database, settings, library, character_png, tmp_path) -> None:
    first = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    elsewhere = tmp_path / "renamed-copy.PNG"
    elsewhere.write_bytes(character_png.read_bytes())
    assert library.add(LibraryKind.CHARACTER, elsewhere, "Ana again", tags=("x",)) == first
    assert library.saved(LibraryKind.CHARACTER, elsewhere) == first
    assert len(list((settings.data_dir / "library" / "characters").iterdir())) == 1

    # Two tabs saving the same new file at the same moment still make one item.
    other = tmp_path / "other.png"
    Image.new("RGB", (400, 500), (10, 200, 30)).save(other)
    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(Library(database, library.library_dir).add("character", other, "Race").id)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(library.items(LibraryKind.CHARACTER)) == 2


def test_search_by_kind_tag_and_text_rename_retag(database, library, character_png, motion_mp4, media) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana", tags=("dancer",))
    bo = library.add(LibraryKind.CHARACTER, media.image("bo.jpg", 500, 600), "Bo", tags=("Robot", "studio"))
    spin = library.add(LibraryKind.MOTION, motion_mp4, "Spin", tags=("dancer",))

    assert library.items(tag="DANCER") == [spin, ana]
    assert library.items(LibraryKind.CHARACTER, tag="dancer") == [ana]
    assert library.items(text="rob") == [bo]  # a tag's part
    assert library.items(text="AN") == [spin, ana]  # a part of a name or a tag ("dancer"), any case
    assert library.items(LibraryKind.MOTION, text="spi") == [spin]
    assert library.tags(LibraryKind.CHARACTER) == ["dancer", "Robot", "studio"]

    renamed = library.rename(bo.id, " Bo  the robot ")
    assert renamed.name == "Bo the robot" and library.get(bo.id).name == "Bo the robot"
    assert library.set_tags(bo.id, ("metal, shiny", "Metal")).tags == ("metal", "shiny")
    assert library.items(tag="robot") == []
    with pytest.raises(Exception, match="type a name"):
        library.rename(bo.id, "   ")
    assert clean_tags(["a, b", " B ", ""]) == ("a", "b")


def test_removing_keeps_the_files_a_pair_or_job_uses(settings, library, store: JobStore, character_png, media) -> None:
    clip = library.add(LibraryKind.MOTION, media.video("used.mp4", width=480, height=360, seconds=3.5), "Used")
    unused = library.add(LibraryKind.CHARACTER, media.image("unused.png", 400, 400), "Unused")
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    prepare_pair(store, ana.path, clip.path, "image")

    for item in (clip, unused, ana):
        library.remove(item.id)
    assert library.items() == []
    assert Path(clip.path).exists() and Path(ana.path).exists()  # the pair still uses them
    assert not Path(unused.path).exists() and not Path(unused.thumbnail_path).exists()
    library.remove(unused.id)  # removing twice (two tabs) is harmless
    # Saved again after removal, the file is an item again.
    assert library.add(LibraryKind.CHARACTER, character_png, "Ana 2").name == "Ana 2"


def _page(name: str, **query: str) -> AppTest:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page(name)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def _all_text(app: AppTest) -> str:
    return "\n".join(
        str(e.value) for e in [*app.markdown, *app.info, *app.error, *app.caption, *app.success, *app.subheader]
    )


def test_generate_picks_a_character_and_a_motion_clip_from_the_library(
    settings, library, store: JobStore, character_png, motion_mp4, media
) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana", tags=("dancer",))
    bo = library.add(LibraryKind.CHARACTER, media.image("bo.jpg", 500, 600), "Bo")
    spin = library.add(LibraryKind.MOTION, motion_mp4, "Spin")
    long_clip = library.add(
        LibraryKind.MOTION, media.video("long.mp4", width=480, height=360, seconds=12.0, audio=False), "Long"
    )

    app = _page("pages/2_Generate.py")
    assert "Pick from the library" in _all_text(app)
    app.text_input(key="library_pair_character_search").set_value("danc").run()
    assert [box.label for box in app.checkbox if box.key.startswith("library_pair_character_")] == ["Ana"]
    app.checkbox(key=f"library_pair_character_{ana.id}").check().run()
    app.checkbox(key=f"library_pair_motion_{long_clip.id}").check().run()
    # Twelve seconds fits only "As in the motion video", which a new pick starts with; "As in the image" is
    # refused in plain words before anything is prepared.
    assert app.radio(key="library_pair_orientation").value == "video"
    assert not app.button(key="library_pair_use").disabled and not app.error
    app.radio(key="library_pair_orientation").set_value("image").run()
    assert app.button(key="library_pair_use").disabled
    assert any("12" in e.value and "10" in e.value for e in app.error)
    # Ticking another clip unticks the first: one pick.
    app.checkbox(key=f"library_pair_motion_{spin.id}").check().run()
    assert not app.checkbox(key=f"library_pair_motion_{long_clip.id}").value
    assert app.radio(key="library_pair_orientation").value == "image"  # a short clip keeps the way chosen
    assert not app.button(key="library_pair_use").disabled
    app.button(key="library_pair_use").click().run()
    assert not app.exception, app.exception

    pair_id = app.query_params["pair"]
    pair = store.prepared(pair_id)
    assert (pair.image_path, pair.video_path, pair.character_orientation) == (ana.path, spin.path, "image")
    assert app.session_state["prepared_id"] == pair_id
    assert app.button(key="generate") is not None and not app.button(key="generate").disabled
    # With a pair open, the grid is drawn only when asked for, and another pick opens that pair.
    assert not [box for box in app.checkbox if box.key.startswith("library_pair_")]
    app.toggle(key="library_open").set_value(True).run()
    app.checkbox(key=f"library_pair_character_{bo.id}").check().run()
    # One control per choice: the form's Model and way are the ones the pair is prepared with.
    assert [box.label for box in app.selectbox].count("Model") == 1
    assert [radio.key for radio in app.radio] == ["gen_orientation"]
    app.selectbox(key="gen_model").set_value("kling-v3.0-pro").run()
    app.radio(key="gen_orientation").set_value("video").run()
    app.button(key="library_pair_use").click().run()
    assert not app.exception, app.exception
    other = store.prepared(app.query_params["pair"])
    assert (other.image_path, other.video_path, other.character_orientation) == (bo.path, spin.path, "video")
    assert app.session_state["prepared_id"] == other.id and not app.toggle(key="library_open").value
    assert app.radio(key="gen_orientation").value == "video"
    assert other.model == "kling-v3.0-pro" and app.selectbox(key="gen_model").value == "kling-v3.0-pro"


def test_the_library_page_renames_tags_and_removes(settings, library, character_png, media) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    bo = library.add(LibraryKind.CHARACTER, media.image("bo.jpg", 500, 600), "Bo", tags=("robot",))
    app = _page("pages/6_Library.py")
    assert "2 of 2 character images" in _all_text(app)

    app.text_input(key=f"name_{ana.id}").set_value("Ana the dancer").run()
    app.button(key=f"rename_{ana.id}").click().run()
    assert library.get(ana.id).name == "Ana the dancer" and "Renamed to “Ana the dancer”." in _all_text(app)
    app.text_input(key=f"tags_{ana.id}").set_value("dancer, outdoor").run()
    app.button(key=f"retag_{ana.id}").click().run()
    assert library.get(ana.id).tags == ("dancer", "outdoor")

    app.selectbox(key="library_tag").set_value("robot").run()
    assert "1 of 2 character images" in _all_text(app)
    app.button(key=f"remove_{bo.id}").click().run()
    assert not app.exception, app.exception
    assert library.get(bo.id) is None and "Removed “Bo” from the library." in _all_text(app)
    assert not [e for e in app.markdown if "Bo" in e.value]

    app.segmented_control(key="library_kind").set_value("motion").run()
    assert "No motion videos saved yet" in _all_text(app)


def test_use_this_opens_generate_with_the_item_picked_and_clips_show_their_length_and_a_preview(
    settings, library, character_png, motion_mp4
) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    spin = library.add(LibraryKind.MOTION, motion_mp4, "Spin")
    app = _page("pages/6_Library.py")
    assert app.button(key=f"use_{ana.id}").label == "Use this"
    app.segmented_control(key="library_kind").set_value("motion").run()
    assert "3.5 s" in _all_text(app)  # the clip's length on its card
    preview = "".join(element.proto.body for element in app.get("html"))
    assert "<video" in preview and " muted" in preview and "/app/static/" in preview
    app.button(key=f"use_{spin.id}").click().run()
    assert not app.exception, app.exception
    # Generate's own pick from the library, with this clip ticked in it.
    assert app.session_state["library_pair_motion"] == [spin.id]
    assert app.checkbox(key=f"library_pair_motion_{spin.id}").value


def _save_widget(path: str, kind: str) -> None:
    from lib.config import load_settings
    from ui.library import offer_to_save

    offer_to_save(load_settings(), kind, path, key="upload_save", name="Ana from Upload")


def test_upload_offers_to_save_a_passing_file_once(settings, library, character_png, media) -> None:
    app = AppTest.from_function(_save_widget, args=(str(character_png), "character"), default_timeout=30).run()
    assert not app.exception, app.exception
    name_box = next(box for box in app.text_input if box.label == "Name")
    assert name_box.value == "Ana from Upload"
    next(box for box in app.text_input if box.label == "Tags").set_value("dancer, studio").run()
    next(button for button in app.button if button.label == "Save").click().run()
    assert [(item.name, item.tags) for item in library.items()] == [("Ana from Upload", ("dancer", "studio"))]
    assert "It passes every rule" in app.success[0].value
    app.run()
    assert "In the library as “Ana from Upload”." in _all_text(app)
    assert not [button for button in app.button if button.label == "Save"]

    # A file that needs a fix is not offered: the library holds only files that pass.
    broken = AppTest.from_function(_save_widget, args=(str(media.image("tiny.png", 200, 240)), "character"))
    broken.run()
    assert not [button for button in broken.button if button.label == "Save"]
    assert "fix this one first" in _all_text(broken) and len(library.items()) == 1


def _batch_picker() -> None:
    import streamlit as st

    from lib.config import load_settings
    from lib.library import Library, LibraryKind
    from ui.library import pick_from_library

    picked = pick_from_library(Library(load_settings().db_path), LibraryKind.CHARACTER, "batch_characters", True)
    st.text(" | ".join(item.name for item in picked) or "none")


def test_a_batch_picks_several_in_the_order_ticked(library, character_png, media) -> None:
    ana = library.add(LibraryKind.CHARACTER, character_png, "Ana")
    bo = library.add(LibraryKind.CHARACTER, media.image("bo.jpg", 500, 600), "Bo")
    cy = library.add(LibraryKind.CHARACTER, media.image("cy.jpg", 400, 600), "Cy", tags=("robot",))
    app = AppTest.from_function(_batch_picker, default_timeout=30).run()
    assert app.text[0].value == "none"
    for item in (cy, ana, bo):
        app.checkbox(key=f"batch_characters_{item.id}").check().run()
    assert app.text[0].value == "Cy | Ana | Bo"
    app.checkbox(key=f"batch_characters_{ana.id}").uncheck().run()
    assert app.text[0].value == "Cy | Bo"
    # A search hides some cards but keeps what was ticked.
    app.text_input(key="batch_characters_search").set_value("robot").run()
    assert [box.label for box in app.checkbox] == ["Cy"] and app.text[0].value == "Cy | Bo"
    app.text_input(key="batch_characters_search").set_value("").run()
    assert (
        app.checkbox(key=f"batch_characters_{bo.id}").value and not app.checkbox(key=f"batch_characters_{ana.id}").value
    )
    library.remove(bo.id)  # removed by a teammate meanwhile: no longer picked
    assert app.run().text[0].value == "Cy"
