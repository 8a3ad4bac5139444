"""Media with a known truth for the content advice tests and bench: made with ffmpeg from the photos
scikit-image ships (astronaut.png, a half-body portrait; camera.png, a man standing), nothing downloaded.

Each clip is 4 s of 640 x 360 at 25 fps unless said; `CASES` names every clip with what is true of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter
from skimage import data

from tests.make_media import run_ffmpeg

SIZE = "640x360"
ENCODE = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-r", "25")


def photo(folder: Path, name: str) -> Path:
    """A scikit-image photo as a PNG: "astronaut" (512 x 512 colour) or "camera" (512 x 512 grey)."""
    path = folder / f"{name}.png"
    if not path.exists():
        Image.fromarray(getattr(data, name)()).convert("RGB").save(path)
    return path


def backdrop(folder: Path) -> Path:
    """A 1600 x 1000 still to move a crop over: both photos side by side, enlarged, on a textured field."""
    path = folder / "backdrop.png"
    if not path.exists():
        canvas = Image.new("RGB", (1600, 1000))
        canvas.paste(Image.open(photo(folder, "astronaut")).resize((800, 800)), (0, 100))
        canvas.paste(Image.open(photo(folder, "camera")).resize((800, 800)), (800, 100))
        canvas.paste(Image.open(photo(folder, "astronaut")).resize((1600, 100)), (0, 0))
        canvas.paste(Image.open(photo(folder, "camera")).resize((1600, 100)), (0, 900))
        canvas.save(path)
    return path


def framed(folder: Path, name: str, people: int = 1, wide: bool = False) -> Path:
    """The astronaut (or camera man) on a 1080 x 1920 portrait page: close fills its width, wide is a
    third of it with room around, `people` side by side."""
    path = folder / f"framed-{name}-{people}-{'wide' if wide else 'close'}.png"
    if not path.exists():
        page = Image.new("RGB", (1080, 1920), (96, 110, 120))
        side = (360 if wide else 1080 // people) if people == 1 else 1080 // people
        picture = Image.open(photo(folder, name)).resize((side, side))
        for index in range(people):
            page.paste(picture, (index * side + (1080 - side * people) // 2, 300 if wide else 0))
        page.save(path)
    return path


def adjusted(folder: Path, how: str) -> Path:
    """The close astronaut made "dark", "bright" or "blurred"."""
    path = folder / f"astronaut-{how}.png"
    if not path.exists():
        picture = Image.open(framed(folder, "astronaut"))
        if how == "dark":
            picture = ImageEnhance.Brightness(picture).enhance(0.15)
        elif how == "bright":
            picture = ImageEnhance.Brightness(picture).enhance(3.0)
        else:
            picture = picture.filter(ImageFilter.GaussianBlur(12))
        picture.save(path)
    return path


def clip(folder: Path, name: str) -> Path:
    """The clip `name` from CLIPS, made on first request."""
    path = folder / f"{name}.mp4"
    if not path.exists():
        CLIPS[name](folder, path)
    return path


def _still(folder: Path, out: Path, vf: str, seconds: float = 4.0, source: Path | None = None) -> None:
    still = str(source or backdrop(folder))
    run_ffmpeg("-loop", "1", "-framerate", "25", "-t", f"{seconds}", "-i", still, "-vf", vf, *ENCODE, str(out))


def _pan(dx: float, dy: float, x0: int = 100, y0: int = 300):  # type: ignore[no-untyped-def]
    return lambda folder, out: _still(folder, out, f"crop=640:360:x='{x0}+{dx}*t':y='{y0}+{dy}*t'")


def _zoom(grow: bool):  # type: ignore[no-untyped-def]
    zoom = "1+0.006*on" if grow else "1.6-0.006*on"
    vf = f"zoompan=z='{zoom}':d=100:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':s={SIZE}:fps=25"
    return lambda folder, out: run_ffmpeg("-i", str(backdrop(folder)), "-vf", vf, *ENCODE, str(out))


def _static(x0: int, y0: int):  # type: ignore[no-untyped-def]
    return lambda folder, out: _still(folder, out, f"crop=640:360:{x0}:{y0}")


def _moving(x: str, size: int = 200):  # type: ignore[no-untyped-def]
    """The astronaut `size` px a side crossing the camera man's room, a fixed camera: x is ffmpeg's expression."""

    def make(folder: Path, out: Path) -> None:
        room, person = str(photo(folder, "camera")), str(photo(folder, "astronaut"))
        graph = f"[0:v]scale=640:360,setsar=1[room];[1:v]scale={size}:{size}[p];[room][p]overlay=x='{x}':y=80"
        loops = ["-loop", "1", "-framerate", "25", "-t", "4"]
        run_ffmpeg(*loops, "-i", room, *loops, "-i", person, "-filter_complex", graph, *ENCODE, str(out))

    return make


def _joined(first: str, second: str, at: float, seconds: float = 4.0):  # type: ignore[no-untyped-def]
    """`first`'s opening `at` seconds, then `second` from its start: a hard cut at `at`."""

    def make(folder: Path, out: Path) -> None:
        one, two = str(clip(folder, first)), str(clip(folder, second))
        graph = (
            f"[0:v]trim=0:{at},setpts=PTS-STARTPTS[a];[1:v]trim=0:{seconds - at},setpts=PTS-STARTPTS[b];"
            "[a][b]concat=n=2:v=1[v]"
        )
        run_ffmpeg("-i", one, "-i", two, "-filter_complex", graph, "-map", "[v]", *ENCODE, str(out))

    return make


def _black_ends(folder: Path, out: Path) -> None:
    black = f"color=black:size={SIZE}:rate=25:duration=1"
    graph = "[0:v]setsar=1[a];[1:v]setsar=1[b];[2:v]setsar=1[c];[a][b][c]concat=n=3:v=1[v]"
    middle = str(clip(folder, "person_slow"))
    inputs = ["-f", "lavfi", "-i", black, "-i", middle, "-f", "lavfi", "-i", black]
    run_ffmpeg(*inputs, "-filter_complex", graph, "-map", "[v]", *ENCODE, str(out))


def _photo_clip(name: str, people: int, wide: bool):  # type: ignore[no-untyped-def]
    """A framed page drifting slowly, as a hand-held phone would: the person stays where they are."""

    def make(folder: Path, out: Path) -> None:
        page = framed(folder, name, people, wide)
        _still(folder, out, "scale=540:960,crop=500:900:x='4+8*t':y='4+8*t',scale=540:960,setsar=1", source=page)

    return make


CLIPS = {
    "pan_right": _pan(120, 0),
    "pan_left": _pan(-120, 0, x0=800, y0=0),
    "pan_down": _pan(0, 80, y0=100),
    "pan_diagonal": _pan(110, 60, y0=100),
    "zoom_in": _zoom(True),
    "zoom_out": _zoom(False),
    "static": _static(200, 300),
    "static_other": _static(900, 500),
    "person_slow": _moving("40+30*t"),
    "person_fast": _moving("220+200*sin(t*13)", size=260),
    "cut_1_5": _joined("static", "person_slow", 1.5),
    "cut_1_0_long": _joined("static", "person_slow", 1.0, seconds=5.0),
    "cut_2_0": _joined("pan_right", "static_other", 2.0),
    "cut_2_6": _joined("person_slow", "static_other", 2.6),
    "cut_2_4": _joined("static_other", "pan_left", 2.4),
    "black_ends": _black_ends,
    "close_one": _photo_clip("astronaut", 1, False),
    "wide_one": _photo_clip("astronaut", 1, True),
    "close_two": _photo_clip("astronaut", 2, False),
    "camera_man": _photo_clip("camera", 1, False),
}

CLIP_CHECKS = ("cut", "camera_motion", "still", "fast_motion", "black_frames")
PEOPLE_CHECKS = ("several_people", "small_subject")
IMAGE_CHECKS = ("dark", "bright", "blurred", "several_people", "small_subject")


@dataclass(frozen=True)
class Case:
    """A made file, the advice codes true of it, and which checks it judges (others' truth is not known)."""

    name: str
    truth: frozenset[str]
    judged: tuple[str, ...] = CLIP_CHECKS
    cut_at: tuple[float, ...] = ()


def _clip_case(name: str, *truth: str, cut_at: tuple[float, ...] = (), people: bool = False) -> Case:
    return Case(name, frozenset(truth), CLIP_CHECKS + (PEOPLE_CHECKS if people else ()), cut_at)


CLIP_CASES = [
    _clip_case("pan_right", "camera_motion"),
    _clip_case("pan_left", "camera_motion"),
    _clip_case("pan_down", "camera_motion"),
    _clip_case("pan_diagonal", "camera_motion"),
    _clip_case("zoom_in", "camera_motion"),
    _clip_case("zoom_out", "camera_motion"),
    _clip_case("static", "still"),
    _clip_case("static_other", "still"),
    _clip_case("person_slow"),
    _clip_case("person_fast", "fast_motion"),
    _clip_case("cut_1_5", "cut", "still", cut_at=(1.5,)),
    _clip_case("cut_2_0", "cut", "camera_motion", "still", cut_at=(2.0,)),
    _clip_case("cut_2_6", "cut", "still", cut_at=(2.6,)),
    _clip_case("cut_2_4", "cut", "camera_motion", "still", cut_at=(2.4,)),
    _clip_case("black_ends", "black_frames"),
    _clip_case("close_one", "still", people=True),
    _clip_case("wide_one", "still", people=True),
    _clip_case("close_two", "still", "several_people", people=True),
    _clip_case("camera_man", "still", people=True),
]
IMAGE_CASES = [
    Case("astronaut-close", frozenset(), IMAGE_CHECKS),
    Case("astronaut-wide", frozenset(), IMAGE_CHECKS),
    Case("astronaut-two", frozenset({"several_people"}), IMAGE_CHECKS),
    Case("camera-close", frozenset(), IMAGE_CHECKS),
    Case("astronaut-tiny", frozenset({"small_subject"}), IMAGE_CHECKS),
    Case("astronaut-dark", frozenset({"dark"}), IMAGE_CHECKS),
    Case("astronaut-bright", frozenset({"bright"}), IMAGE_CHECKS),
    Case("astronaut-blurred", frozenset({"blurred"}), IMAGE_CHECKS),
]
CUT_TOLERANCE = 0.3  # s: a look every 0.2 s places a cut within one look


def image(folder: Path, name: str) -> Path:
    """The image case `name` from IMAGE_CASES."""
    subject, how = name.split("-")
    if how in ("dark", "bright", "blurred"):
        return adjusted(folder, how)
    if how == "tiny":
        return tiny(folder)
    return framed(folder, subject, 2 if how == "two" else 1, wide=how == "wide")


def tiny(folder: Path) -> Path:
    """The astronaut 200 px a side on a 1080 x 1920 page: a speck of a person."""
    path = folder / "astronaut-tiny.png"
    if not path.exists():
        page = Image.new("RGB", (1080, 1920), (96, 110, 120))
        page.paste(Image.open(photo(folder, "astronaut")).resize((200, 200)), (440, 900))
        page.save(path)
    return path


def judge(case: Case, found: list[tuple[str, float | None]]) -> dict[str, bool]:
    """For each check the case judges, whether the advice `found` (code, second) was right about it."""
    codes = {code for code, _ in found}
    verdict = {check: (check in codes) == (check in case.truth) for check in case.judged}
    if "cut" in case.judged and case.cut_at:
        times = [at for code, at in found if code == "cut" and at is not None]
        verdict["cut"] = len(times) == len(case.cut_at) and all(
            abs(at - truth) <= CUT_TOLERANCE for at, truth in zip(sorted(times), case.cut_at, strict=True)
        )
    return verdict


def tally(verdicts: list[dict[str, bool]]) -> dict[str, tuple[int, int]]:
    """Per check: (cases right, cases wrong)."""
    table: dict[str, tuple[int, int]] = {}
    for verdict in verdicts:
        for check, right in verdict.items():
            good, bad = table.get(check, (0, 0))
            table[check] = (good + right, bad + (not right))
    return table
