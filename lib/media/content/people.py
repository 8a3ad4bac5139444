"""Who is in the picture and how large: faces found by OpenCV's bundled Haar cascade, and the framing
they imply. Where no face is found with confidence, nothing is said about people or framing.

A face's height against the frame's tells the framing: about a fifth for a half-body portrait, a
tenth or less for a person standing full length.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import cv2.data
import numpy as np

from lib.media.content.advice import AdviceCode, Finding

CASCADE = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
NEIGHBOURS = 6  # above OpenCV's 3: a face must be seen at several nearby sizes and places to count
SMALLEST_FACE = 18  # px, in the enlarged picture
SEARCH_SIDE = 512  # px: the shorter side a clip's look is enlarged to for the search
IMAGE_SEARCH_SIDE = 768  # the image is searched once, so it can afford to find a smaller face
SEARCH_STEP = 1.1  # between the face sizes tried: 1.15 missed the wide astronaut's 27 px face
CLOSE_FACE = 0.15  # face height over the frame's shorter side at or above which the framing is close (head and chest)
WIDE_FACE = 0.09  # at or below which it is wide (the whole body)
TINY_FACE = 0.04
SECOND_FACE = 0.5  # a second face counts when it is at least this fraction of the largest's height


class Framing(StrEnum):
    CLOSE = "close"
    WIDE = "wide"


@dataclass(frozen=True)
class People:
    """The faces in one picture: (x, y, w, h) in px, largest first."""

    faces: list[tuple[int, int, int, int]]
    side: int  # the frame's shorter side, px: a portrait and a landscape frame compare alike

    @property
    def fill(self) -> float | None:
        """The largest face's height over the frame's shorter side, None with no face."""
        return self.faces[0][3] / self.side if self.faces else None

    @property
    def count(self) -> int:
        if not self.faces:
            return 0
        largest = self.faces[0][3]
        return sum(1 for face in self.faces if face[3] >= SECOND_FACE * largest)

    @property
    def framing(self) -> Framing | None:
        fill = self.fill
        if fill is None:
            return None
        return Framing.CLOSE if fill >= CLOSE_FACE else Framing.WIDE if fill <= WIDE_FACE else None


def find_people(picture: np.ndarray, search_side: int = SEARCH_SIDE) -> People:
    """The faces in a BGR picture, searched with its shorter side enlarged to `search_side` px."""
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    # The cascade misses faces under about 24 px: look at the picture enlarged so a full-body dancer's counts.
    zoom = search_side / min(grey.shape)
    grey = cv2.resize(grey, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    found = cv2.CascadeClassifier(CASCADE).detectMultiScale(
        grey, scaleFactor=SEARCH_STEP, minNeighbors=NEIGHBOURS, minSize=(SMALLEST_FACE, SMALLEST_FACE)
    )
    faces = sorted((tuple(round(int(v) / zoom) for v in face) for face in found), key=lambda face: -face[3])
    return People([(x, y, w, h) for x, y, w, h in faces], min(picture.shape[:2]))


def people_advice(people: People, picture: np.ndarray, at: float | None, where: str) -> list[Finding]:
    """Several people, or one too small to animate well, in the image or the clip (`where` says which)."""
    found = []
    if people.count > 1:
        found.append(
            Finding(
                AdviceCode.SEVERAL_PEOPLE,
                f"There are {people.count} people in the {where}. Kling follows the largest one: "
                "crop to a single person for a predictable take.",
                0.8,
                at,
                _boxed(picture, people.faces[: people.count]),
            )
        )
    fill = people.fill
    if fill is not None and fill < TINY_FACE:
        found.append(
            Finding(
                AdviceCode.SMALL_SUBJECT,
                f"The person is small in the {where} (the face is {fill:.0%} of the frame). "
                "Crop closer so the character fills more of the frame.",
                0.7,
                at,
                _boxed(picture, people.faces[:1]),
            )
        )
    return found


def framing_mismatch(image: Framing | None, clip: Framing | None) -> str | None:
    """What to say when the image and the clip are framed differently (a portrait driven by a full-body
    dance, or the reverse); None when they agree or either framing is unsure."""
    if image is None or clip is None or image == clip:
        return None
    words = {Framing.CLOSE: "close (head and shoulders)", Framing.WIDE: "wide (the whole body)"}
    return (
        f"The image is framed {words[image]} but the clip {words[clip]}. "
        "Kling fills in or drops what does not match: frame both alike."
    )


def clip_people(pictures: list[np.ndarray], looks: int = 3) -> tuple[People, int] | None:
    """The people the clip shows, judged on `looks` frames spread over it: the look with the middle face
    size among those where a face was found, and its index; None when faces show in under half the looks."""
    picked = [round(i * (len(pictures) - 1) / max(1, looks - 1)) for i in range(min(looks, len(pictures)))]
    seen = [(find_people(pictures[index]), index) for index in dict.fromkeys(picked)]
    with_faces = sorted((pair for pair in seen if pair[0].faces), key=lambda pair: pair[0].fill or 0)
    if len(with_faces) * 2 < len(seen):
        return None
    return with_faces[len(with_faces) // 2]


def _boxed(picture: np.ndarray, faces: list[tuple[int, int, int, int]]) -> np.ndarray:
    marked = picture.copy()
    for x, y, w, h in faces:
        cv2.rectangle(marked, (x, y), (x + w, y + h), (0, 200, 255), max(1, picture.shape[1] // 200))
    return marked
