"""Receiving a large upload in pieces, straight onto disk, so the app never holds the whole file.

The browser (ui/big_upload) slices the chosen file and sends one piece at a time; each piece is a
message of a 4-byte big-endian header length, a JSON header and the bytes:

    header = {"id": "a1b2", "name": "clip.mov", "total": 1073741824, "offset": 0}

A `PartialUpload` appends each piece to a hidden file in the inputs folder, hashing as it goes, and
says how many bytes it holds; the browser sends the next piece only once that count reaches it. A
piece sent twice (a resend after a slow answer) is ignored. When every byte is in, `finish` renames
it to the usual content-named file (`<sha256>.<ext>`), like any upload.

    upload = PartialUpload.begin(inputs_dir, header, max_bytes=2 * GB)
    upload.append(header["offset"], data)  # -> bytes received so far
    path = upload.finish()                 # once upload.complete
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.errors import UploadBroken, UploadTooLarge
from lib.files.atomic import USUAL_MODE, lasting_partial
from lib.files.sizes import GB, file_size
from lib.uploads import settle

MAX_UPLOAD_BYTES = 2 * GB  # "up to 2 GB", in the decimal units every size is shown in
CHUNK_BYTES = 4 * 1024 * 1024  # one piece per message: what the app holds at once, per upload
_ID = re.compile(r"^[0-9a-f]{8,64}$")


@dataclass(frozen=True)
class Piece:
    """One piece of an upload as the browser sent it."""

    upload_id: str
    name: str
    total: int
    offset: int
    data: bytes


def parse_piece(message: bytes) -> Piece:
    """Split a message from the uploader into its header and bytes; a malformed one is `UploadBroken`."""
    try:
        (length,) = struct.unpack_from(">I", message)
        header: dict[str, Any] = json.loads(message[4 : 4 + length])
        piece = Piece(
            str(header["id"]), str(header["name"]), int(header["total"]), int(header["offset"]), message[4 + length :]
        )
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise UploadBroken(f"a piece could not be read: {type(error).__name__}") from None
    if not _ID.match(piece.upload_id) or piece.total < 0 or piece.offset < 0:
        raise UploadBroken("a piece had a bad header")
    return piece


@dataclass
class PartialUpload:
    """An upload being received into `path`, a hidden file beside its final place."""

    upload_id: str
    name: str
    total: int
    inputs_dir: Path
    received: int = 0
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    @classmethod
    def begin(cls, inputs_dir: Path, piece: Piece, max_bytes: int = MAX_UPLOAD_BYTES) -> PartialUpload:
        """Start receiving the upload `piece` belongs to, refusing it at once if it is too large."""
        if piece.total > max_bytes:
            raise UploadTooLarge(file_size(piece.total))
        upload = cls(piece.upload_id, piece.name, piece.total, inputs_dir)
        inputs_dir.mkdir(parents=True, exist_ok=True)
        with upload.path.open("wb"):
            os.chmod(upload.path, USUAL_MODE)
        return upload

    @property
    def path(self) -> Path:
        return lasting_partial(self.inputs_dir, f"upload.{self.upload_id}")

    @property
    def complete(self) -> bool:
        return self.received == self.total

    def append(self, offset: int, data: bytes) -> int:
        """Write `data` if it is the next piece and return the bytes received; a piece seen before is ignored."""
        if offset + len(data) <= self.received:
            return self.received
        if offset != self.received or offset + len(data) > self.total:
            self.discard()
            raise UploadBroken(f"a piece at byte {offset:,} came when byte {self.received:,} was next")
        with self.path.open("ab") as out:
            out.write(data)
        self._digest.update(data)
        self.received += len(data)
        return self.received

    def finish(self) -> Path:
        """The whole file, renamed to `<sha256>.<ext>` in the inputs folder."""
        if not self.complete:
            raise UploadBroken(f"{self.received:,} of {self.total:,} bytes arrived")
        return settle(self.path, self._digest.hexdigest(), self.inputs_dir)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def upload_partials(inputs_dir: Path) -> list[Path]:
    """The partial files of uploads under way, or abandoned: a tab closed or reloaded mid-upload
    never finishes or discards its own."""
    return sorted(inputs_dir.glob(lasting_partial(inputs_dir, "upload.*").name))
