"""An image too dark, blown out or blurred to animate well: its brightness and its sharpness (the
variance of its Laplacian, which falls as edges soften)."""

from __future__ import annotations

import cv2
import numpy as np

from lib.media.content.advice import AdviceCode, Finding

DARK_MEAN = 50  # of 255
BRIGHT_SHARE = 0.3  # of the pixels at the top of the scale
BRIGHT_LEVEL = 250
SHARP_LAPLACIAN = 40.0  # at 640 px a side; sharp photos measure several hundred
EVEN_PICTURE = 15.0  # grey-level spread under which the picture is flat, so sharpness says nothing


def exposure_advice(picture: np.ndarray) -> list[Finding]:
    """Dark, bright or blurred, for the character image."""
    grey = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    found = []
    mean = float(grey.mean())
    blown = float((grey >= BRIGHT_LEVEL).mean())
    if mean < DARK_MEAN:
        found.append(
            Finding(
                AdviceCode.DARK,
                f"The image is dark (average brightness {mean / 255:.0%}). Details lost in shadow come out "
                "as smudges: use a brighter photo.",
                min(0.95, 0.5 + (DARK_MEAN - mean) / 100),
                None,
                picture,
            )
        )
    elif blown >= BRIGHT_SHARE:
        found.append(
            Finding(
                AdviceCode.BRIGHT,
                f"{blown:.0%} of the image is blown out to white. The take cannot invent the lost detail: "
                "use a less exposed photo.",
                min(0.95, 0.5 + blown),
                None,
                picture,
            )
        )
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
    if sharpness < SHARP_LAPLACIAN and float(grey.std()) >= EVEN_PICTURE:
        found.append(
            Finding(
                AdviceCode.BLURRED,
                "The image looks blurred. The character comes out soft: use a sharper photo.",
                min(0.9, 0.5 + (SHARP_LAPLACIAN - sharpness) / (2 * SHARP_LAPLACIAN)),
                None,
                picture,
            )
        )
    return found
