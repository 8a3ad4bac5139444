"""Content advice: its speed against a bare ffmpeg decode of the same clip at the same sampling, and
its accuracy on the made media of tests/content_support.py (per check: cases right, cases wrong).

Run from the repository root: `.venv/bin/python bench/bench_content.py`. It makes its media once in
bench/out/ (git-ignored): a 10 s 1080p30 clip (a pan over scikit-image's photos, with a hard cut at 6 s).
Target (issue 22): the analysis of a 10 s 1080p clip in at most 1.0x the bare decode's time beyond it,
i.e. analysis / decode at most 2.0; reported as both ratios.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.files.digest import forget_digests  # noqa: E402
from lib.media.content import advise_image, advise_video  # noqa: E402
from lib.media.content.frames import SAMPLE_FPS, SAMPLE_WIDTH  # noqa: E402
from tests import content_support as made  # noqa: E402
from tests.make_media import FFMPEG, run_ffmpeg  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
RUNS = 3


def bench_clip() -> Path:
    """10 s of 1080p30: 6 s panning over the photos, then a hard cut to 4 s of a still crop."""
    OUT.mkdir(exist_ok=True)
    clip = OUT / "content-10s-1080p.mp4"
    if not clip.exists():
        still = str(made.backdrop(OUT))
        graph = (
            "[0:v]crop=640:360:x='100+60*t':y=300,scale=1920:1080,setsar=1,trim=0:6,setpts=PTS-STARTPTS[a];"
            "[1:v]crop=640:360:900:500,scale=1920:1080,setsar=1,trim=0:4,setpts=PTS-STARTPTS[b];"
            "[a][b]concat=n=2:v=1[v]"
        )
        loops = ["-loop", "1", "-framerate", "30", "-t", "10"]
        encode = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "4000k", "-pix_fmt", "yuv420p", "-r", "30"]
        run_ffmpeg(
            *loops, "-i", still, *loops, "-i", still, "-filter_complex", graph, "-map", "[v]", *encode, str(clip)
        )
    return clip


def decode_seconds(clip: Path) -> float:
    """The baseline: ffmpeg decoding the clip at the analysis's sampling, frames thrown away."""
    scale = f"fps={SAMPLE_FPS:g},scale={SAMPLE_WIDTH}:-2:flags=area"
    start = time.perf_counter()
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(clip), "-vf", scale, "-an", "-f", "null", "-"],
        check=True,
    )
    return time.perf_counter() - start


def analysis_seconds(clip: Path) -> float:
    """A cold analysis: a new cache folder and no remembered digest, so nothing is reused."""
    forget_digests()
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        advise_video(clip, Path(cache))
        return time.perf_counter() - start


def accuracy() -> dict[str, tuple[int, int]]:
    folder = OUT / "content-cases"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache:
        verdicts = []
        for case in made.CLIP_CASES:
            report = advise_video(made.clip(folder, case.name), Path(cache))
            verdicts.append(made.judge(case, [(str(a.code), a.at) for a in report.advice]))
        for case in made.IMAGE_CASES:
            report = advise_image(made.image(folder, case.name), Path(cache))
            verdicts.append(made.judge(case, [(str(a.code), a.at) for a in report.advice]))
    return made.tally(verdicts)


def main() -> None:
    clip = bench_clip()
    decode, analyse = [], []
    for _ in range(RUNS):  # interleaved, so both see the same load on the shared cores
        decode.append(decode_seconds(clip))
        analyse.append(analysis_seconds(clip))
    d, a = statistics.median(decode), statistics.median(analyse)
    print(f"10 s 1080p clip, {SAMPLE_FPS:g} looks/s at {SAMPLE_WIDTH} px, median of {RUNS}:")
    print(f"  bare ffmpeg decode  {d * 1000:7.0f} ms")
    print(
        f"  content analysis    {a * 1000:7.0f} ms   analysis / decode {a / d:.2f}",
        f"  beyond decode / decode {(a - d) / d:.2f}",
    )
    print("\n| check | cases right | cases wrong |\n|---|---|---|")
    for check, (right, wrong) in accuracy().items():
        print(f"| `{check}` | {right} | {wrong} |")


if __name__ == "__main__":
    main()
