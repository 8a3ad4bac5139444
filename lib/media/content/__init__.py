"""Content advice: what in an image or a clip may waste a paid take, though the service accepts it.

report = advise_video(Path("dance.mp4"), content_cache(settings))
report.advice   # [Advice(code=AdviceCode.CUT, message=..., confidence=0.9, at=4.2, frame=".../...-cut-0.jpg")]
"""

from lib.media.content.advice import Advice, AdviceCode, Shot
from lib.media.content.advise import ContentReport, advise_file, advise_image, advise_pair, advise_video
from lib.media.content.batch import BatchAdvice, advise_batch

__all__ = [
    "Advice",
    "AdviceCode",
    "BatchAdvice",
    "ContentReport",
    "Shot",
    "advise_batch",
    "advise_file",
    "advise_image",
    "advise_pair",
    "advise_video",
]
