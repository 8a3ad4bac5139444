"""The service's documented input rules, one table per model: the one home of every limit.

Preflight, its checklist, the one-click fixes, the client and the cost estimates all read these
values, so a rule changes in one place. Source: `shared/reference/novita-kling-motion-control.md`;
each model says where each of its values comes from (`Model.sources`, and docs/models.md).
Every limit is inclusive: exactly 300 px, exactly 1:2.5 and exactly 3 s pass. The module-level names
(`MAX_BYTES`, `MAX_SECONDS`, ...) are Kling 2.6 Pro's, the default model.

    model = model_for("kling-v3.0-pro")
    model.label, model.max_video_seconds("image"), model.max_prompt   # ('Kling 3.0 Pro', 10.0, 2500)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from types import MappingProxyType

# "At most 10 MB" read strictly, in decimal megabytes: a file that fits 10,000,000 bytes fits either way
# the service may count, and every size the app shows is in these same megabytes.
MB = 1_000_000
MAX_BYTES = 10 * MB  # each input file, image and video alike
MIN_SIDE = 300  # px, width and height alike
MAX_ASPECT = 2.5  # 1:2.5 to 2.5:1, width to height
MIN_SECONDS = 3.0
MAX_NEGATIVE_PROMPT = 2500  # characters
IMAGE_FORMATS = ("jpeg", "png")
VIDEO_FORMATS = ("mp4", "mov")


class Orientation(Enum):
    """Which way the character faces: as in the image (video up to 10 s) or as in the video (30 s)."""

    IMAGE = "image"
    VIDEO = "video"

    @property
    def max_video_seconds(self) -> float:
        return MAX_SECONDS[self.value]

    @property
    def label(self) -> str:
        """The words of the control that chooses it."""
        return "As in the image" if self is Orientation.IMAGE else "As in the motion video"


MAX_SECONDS = {"image": 10.0, "video": 30.0}  # longest motion video, by character orientation
ORIENTATIONS = tuple(MAX_SECONDS)


def aspect_ok(width: int, height: int, max_aspect: float = MAX_ASPECT) -> bool:
    """Whether width:height is within 1:2.5 to 2.5:1, in exact integer arithmetic (750 x 300 passes)."""
    ratio = Fraction(max_aspect)  # exactly 5/2
    return (
        width * ratio.denominator <= height * ratio.numerator and height * ratio.denominator <= width * ratio.numerator
    )


NOVITA_26 = "Novita 2.6 Pro page"
NOVITA_30 = "Novita 3.0 page"
AS_26 = "Novita 3.0 page: image and video rules as for 2.6 Pro"
KLING_PRICE = "Kling's list price: about twice 2.6 (no Novita price published)"
# Novita's 3.0 page says orientation "image" gives a 5 s output; Kling's own API (and fal, ComfyUI) take
# up to 10 s of reference video in that mode. The longer is kept for both the video accepted and the
# cost estimate: refusing a 6-10 s clip the service may take is a smaller harm than an estimate below the bill.
ORIENTATION_CONFLICT = (
    "Kling's API allows 10 s of reference video with orientation image; Novita's 3.0 page says the output is 5 s. "
    "The longer is taken, so the estimate is never below what may be billed"
)


@dataclass(frozen=True, eq=False)
class Model:
    """One model's row of the table: what to send where, its limits, its price setting, and the source of each.

    `max_seconds` is the longest motion video per character orientation; `output_seconds` the longest
    output billed per orientation, which caps the cost estimate. `max_prompt` is None where no prompt
    limit is documented. `sources` maps each field name to where its value comes from.
    Compared by identity: there is one of each, in `MODELS`.
    """

    word: str  # on the command line and in the history
    label: str  # in the pages' "Model" control and in messages
    submit_path: str
    model_name: str | None  # the body's `model_name`; None: the field is not sent
    max_bytes: int
    min_side: int
    max_aspect: float
    min_seconds: float
    max_seconds: Mapping[str, float]
    output_seconds: Mapping[str, float]
    max_prompt: int | None
    max_negative_prompt: int
    price_setting: str
    default_price: float  # US dollars per second of output, until the setting says otherwise
    sources: Mapping[str, str] = field(repr=False)

    def max_video_seconds(self, orientation: str | Orientation) -> float:
        return self.max_seconds[str(getattr(orientation, "value", orientation))]

    def billed_seconds(self, duration: float, orientation: str | Orientation) -> float:
        """The most seconds of output a motion video of `duration` s may be billed for."""
        return min(duration, self.output_seconds[str(getattr(orientation, "value", orientation))])

    def __repr__(self) -> str:
        return f"Model({self.word!r})"


KLING_V26_PRO = Model(
    word="kling-v2.6-pro",
    label="Kling 2.6 Pro",
    submit_path="/v3/async/kling-v2.6-pro-motion-control",
    model_name=None,
    max_bytes=MAX_BYTES,
    min_side=MIN_SIDE,
    max_aspect=MAX_ASPECT,
    min_seconds=MIN_SECONDS,
    max_seconds=MappingProxyType(dict(MAX_SECONDS)),
    output_seconds=MappingProxyType(dict(MAX_SECONDS)),  # the output is as long as the reference video, up to its cap
    max_prompt=None,
    max_negative_prompt=MAX_NEGATIVE_PROMPT,
    price_setting="PRICE_PER_SECOND",
    default_price=0.14,
    sources=MappingProxyType(
        {
            "submit_path": NOVITA_26,
            "model_name": "Novita 2.6 Pro page: no model_name field",
            "max_bytes": NOVITA_26,
            "min_side": NOVITA_26,
            "max_aspect": NOVITA_26,
            "min_seconds": NOVITA_26,
            "max_seconds": NOVITA_26 + ": orientation image up to 10 s, video up to 30 s",
            "output_seconds": NOVITA_26 + ": billed per second of output, as long as the reference video",
            "max_prompt": NOVITA_26 + ": no prompt limit documented",
            "max_negative_prompt": NOVITA_26,
            "default_price": "Third-party listings: 0.12 to 0.15 USD per second",
        }
    ),
)


def _kling_v30(word: str, label: str, model_name: str, price_setting: str) -> Model:
    return Model(
        word=word,
        label=label,
        submit_path="/v3/async/kling-v3.0-motion-control",
        model_name=model_name,
        max_bytes=MAX_BYTES,
        min_side=MIN_SIDE,
        max_aspect=MAX_ASPECT,
        min_seconds=MIN_SECONDS,
        max_seconds=MappingProxyType(dict(MAX_SECONDS)),
        output_seconds=MappingProxyType(dict(MAX_SECONDS)),
        max_prompt=2500,
        max_negative_prompt=MAX_NEGATIVE_PROMPT,
        price_setting=price_setting,
        default_price=0.28,
        sources=MappingProxyType(
            {
                "submit_path": NOVITA_30,
                "model_name": NOVITA_30 + ": kling-v3-0-std (its default) or kling-v3-0-pro",
                "max_bytes": AS_26,
                "min_side": AS_26,
                "max_aspect": AS_26,
                "min_seconds": AS_26,
                "max_seconds": ORIENTATION_CONFLICT,
                "output_seconds": ORIENTATION_CONFLICT,
                "max_prompt": NOVITA_30 + ": prompt at most 2,500 characters",
                "max_negative_prompt": NOVITA_30,
                "default_price": KLING_PRICE + "; Standard and Pro alike, as no source tells them apart",
            }
        ),
    )


KLING_V30_STD = _kling_v30("kling-v3.0-std", "Kling 3.0 Standard", "kling-v3-0-std", "PRICE_PER_SECOND_V3_STD")
KLING_V30_PRO = _kling_v30("kling-v3.0-pro", "Kling 3.0 Pro", "kling-v3-0-pro", "PRICE_PER_SECOND_V3_PRO")
MODELS = (KLING_V26_PRO, KLING_V30_STD, KLING_V30_PRO)
DEFAULT_MODEL = KLING_V26_PRO
MODEL_WORDS = tuple(model.word for model in MODELS)


def model_for(word: str | Model | None) -> Model:
    """The model a command-line word (or a label) names; None is the default model. `ValueError` for another word."""
    if isinstance(word, Model):
        return word
    if word is None:
        return DEFAULT_MODEL
    for model in MODELS:
        if word in (model.word, model.label):
            return model
    raise ValueError(f"the model must be one of {', '.join(MODEL_WORDS)}, not {word!r}")
