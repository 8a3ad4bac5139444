"""Media: reading files' facts, the input rules and their checklist, one-click fixes, thumbnails, samples.

from lib.media import check_image, check_video, fix_image, fix_video
"""

from lib.media.fixes import fix_image, fix_video
from lib.media.layout import Fit
from lib.media.preflight import Code, Problem, Report, check_image, check_video
from lib.media.probe import MediaFacts, probe
from lib.media.prompts import check_prompts
from lib.media.thumbnails import thumbnail

__all__ = [
    "Code",
    "Fit",
    "MediaFacts",
    "Problem",
    "Report",
    "check_image",
    "check_prompts",
    "check_video",
    "fix_image",
    "fix_video",
    "probe",
    "thumbnail",
]
