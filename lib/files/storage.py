"""Where every stored file lives: the data folder, or one bucket with the data folder as its cache.

Pages, the worker and the command line ask this door for a file; none builds a storage path itself.
A stored file has a *name*: with a bucket, its path relative to the data folder (`results/ab12.mp4`),
the same on every machine, and its object key; in the folder, its path as it always was. Either
storage reads both forms, so histories written before a bucket was set keep working.

    storage = storage_for(settings)
    name = storage.put(settings.results_dir / "ab12.mp4")   # 'results/ab12.mp4' in the bucket
    storage.local_path(name)   # a file on this machine, fetched from the bucket when the cache lacks it
    storage.link(name)         # what a browser plays: a presigned GET link, or the static route
    storage.link(name, download_as="Take 3.mp4")   # ... or saves, under that name
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from email.utils import encode_rfc2231
from pathlib import Path, PurePosixPath
from typing import Protocol

from lib.config import S3Settings, Settings
from lib.files.atomic import atomic_write
from lib.files.hosting import STATIC_ROUTE, keep_copy
from lib.files.object_storage import S3Hosting, content_type

log = logging.getLogger(__name__)


class Storage(Protocol):
    """A folder or a bucket: the one interface every stored file goes through."""

    data_dir: Path

    def put(self, path: Path | str) -> str:
        """Keep the local file `path` (written in the data folder) and return the name to store."""
        ...

    def name(self, path: Path | str) -> str:
        """The name `put(path)` gives, without putting anything: what a row names that file by."""
        ...

    def local_path(self, name: str) -> Path:
        """The file of `name` on this machine (it may not exist when the file is gone everywhere)."""
        ...

    def link(self, name: str, download_as: str | None = None) -> str | None:
        """The address a browser fetches `name` from, or None when the file is known to be gone
        (a bucket signs a link without asking: `exists` says whether the object is there). With
        `download_as`, a browser saves the file under that name rather than playing it."""
        ...

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove `name` everywhere it is kept; a name already gone is no error."""
        ...

    def cached(self, names: Iterable[str]) -> list[Path]:
        """The local copies of `names` that can go at any time, being kept elsewhere too."""
        ...


class FolderStorage:
    """Files in the data folder, shown through Streamlit's static route: one machine, as always."""

    def __init__(self, data_dir: Path, static_dir: Path) -> None:
        self.data_dir = data_dir
        self.static_dir = static_dir

    def put(self, path: Path | str) -> str:
        return self.name(path)

    def name(self, path: Path | str) -> str:
        return str(path)

    def local_path(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self.data_dir / path

    def link(self, name: str, download_as: str | None = None) -> str | None:
        # Same origin as the page: the link's own `download=` attribute names the file.
        try:
            return f"{STATIC_ROUTE}{keep_copy(self.local_path(name), self.static_dir).name}"
        except OSError:  # gone, or removed while it was being copied
            return None

    def exists(self, name: str) -> bool:
        return self.local_path(name).is_file()

    def delete(self, name: str) -> None:
        self.local_path(name).unlink(missing_ok=True)

    def cached(self, names: Iterable[str]) -> list[Path]:
        return []  # the folder is where files live, not a cache


class BucketStorage(FolderStorage):
    """Every file in one S3-compatible bucket under its name; the data folder only caches them.

    A file written here is put in the bucket at once; reading one this machine lacks fetches it. The
    cache can be deleted at any time. A path outside the data folder is the user's own file: it is
    read where it is and never put in the bucket.
    """

    def __init__(self, data_dir: Path, static_dir: Path, bucket: S3Settings, hosting: S3Hosting | None = None) -> None:
        super().__init__(data_dir, static_dir)
        self.bucket = bucket
        self._s3 = hosting or S3Hosting(bucket)

    def __repr__(self) -> str:
        return f"BucketStorage(bucket={self.bucket.bucket!r}, data_dir={str(self.data_dir)!r})"

    def key(self, name: str) -> str | None:
        """The object key of `name`: its path relative to the data folder, or None for a file outside it."""
        path = Path(name)
        if not path.is_absolute():
            return PurePosixPath(*path.parts).as_posix()
        try:
            return PurePosixPath(*path.resolve().relative_to(self.data_dir.resolve()).parts).as_posix()
        except ValueError:
            return None

    def name(self, path: Path | str) -> str:
        return self.key(str(path)) or str(path)

    def put(self, path: Path | str) -> str:
        key = self.key(str(path))
        if key is None:
            return str(path)
        try:
            if self._size(key) != Path(path).stat().st_size:  # an input given again is not sent again
                self._s3.client.upload_file(
                    str(path), self.bucket.bucket, key, ExtraArgs={"ContentType": content_type(Path(path))}
                )
        except OSError:
            raise  # the local file could not be read: the caller's failure, not the bucket's
        except Exception as error:  # botocore's errors are many; each becomes one plain sentence
            raise self._s3.plain(error) from None
        return key

    def local_path(self, name: str) -> Path:
        key = self.key(name)
        path = super().local_path(name) if key is None else self.data_dir / key
        if key is not None and not path.is_file():
            self._fetch(key, path)
        return path

    def _fetch(self, key: str, path: Path) -> None:
        from botocore.exceptions import ClientError

        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with atomic_write(path) as partial:
                self._s3.client.download_file(self.bucket.bucket, key, str(partial))
        except ClientError as error:
            if _status(error) != 404:
                raise self._s3.plain(error) from None
            log.info("%s is in neither the data folder nor the bucket", key)

    def link(self, name: str, download_as: str | None = None) -> str | None:
        key = self.key(name)
        if key is None:
            return super().link(name)
        params = {"Bucket": self.bucket.bucket, "Key": key, "ResponseContentType": content_type(Path(key))}
        if download_as:  # a browser ignores `download=` on a link to another origin: the bucket names the file
            params["ResponseContentDisposition"] = attachment(download_as)
        # Signed here without asking the bucket: a grid of a hundred results makes no hundred requests.
        return str(self._s3.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self._s3.link_seconds))

    def exists(self, name: str) -> bool:
        key = self.key(name)
        return super().exists(name) if key is None else self._size(key) is not None

    def _size(self, key: str) -> int | None:
        """The size of the object under `key`, or None when there is none."""
        from botocore.exceptions import ClientError

        try:
            return int(self._s3.client.head_object(Bucket=self.bucket.bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise self._s3.plain(error) from None

    def delete(self, name: str) -> None:
        key = self.key(name)
        if key is None:
            return  # the user's own file, never ours to remove
        try:
            self._s3.client.delete_object(Bucket=self.bucket.bucket, Key=key)
        except Exception as error:
            raise self._s3.plain(error) from None
        (self.data_dir / key).unlink(missing_ok=True)

    def cached(self, names: Iterable[str]) -> list[Path]:
        keys = {key for name in names if (key := self.key(name)) is not None}
        return [self.data_dir / key for key in sorted(keys) if (self.data_dir / key).is_file() and self._size(key)]


def storage_for(settings: Settings) -> Storage:
    """The bucket when MEDIA_BUCKET is set, else the data folder. One per settings: a bucket's client
    is made once per process."""
    return _storage(settings.data_dir, settings.static_dir, settings.media)


@functools.lru_cache(maxsize=8)
def _storage(data_dir: Path, static_dir: Path, bucket: S3Settings | None) -> Storage:
    return FolderStorage(data_dir, static_dir) if bucket is None else BucketStorage(data_dir, static_dir, bucket)


def attachment(file_name: str) -> str:
    """A Content-Disposition that saves the file as `file_name`: RFC 6266's UTF-8 name, and an ASCII one
    for browsers that read only that."""
    plain = file_name.encode("ascii", "replace").decode().replace("?", "_").replace("\\", "_").replace('"', "'")
    return f'attachment; filename="{plain}"; filename*={encode_rfc2231(file_name, "utf-8")}'


def _status(error: object) -> int:
    return int(getattr(error, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
