"""Pillow, taught to read the photos phones take.

iPhones save HEIC by default and Pillow cannot read it alone; pillow-heif adds HEIC/HEIF (Pillow reads
AVIF and WebP itself). Every module that opens a picture imports `Image` from here, so no path through
the app can meet an image format that another path reads.
"""

from __future__ import annotations

from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener()

__all__ = ["Image"]
