"""`flatstore://<local path>`: a Beam FileSystem with the semantics of gs:// and s3://, kept in
local files, so the commit's object-store path runs in tests without a cloud.

What it shares with GCS and S3 as Beam presents them: there are objects and no folders
(`exists` is False for a prefix, nothing needs creating before a write), a listing is a prefix
scan, and a rename is a copy followed by a delete (two steps a kill can fall between). Beam finds
it by its scheme once this module is imported.
"""
from __future__ import annotations

import os
import shutil

from apache_beam.io.filesystem import BeamIOError, FileMetadata, FileSystem

SCHEME = "flatstore"
PREFIX = f"{SCHEME}://"


def url(local_path) -> str:
    return PREFIX + str(local_path)


def local_path(path: str) -> str:
    return path[len(PREFIX):] if path.startswith(PREFIX) else path


class FlatObjectStore(FileSystem):
    @classmethod
    def scheme(cls):
        return SCHEME

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(path.strip("/") for path in paths)])

    def split(self, path):
        head, _, tail = path.rstrip("/").rpartition("/")
        return head, tail

    def mkdirs(self, path):
        """Object stores have no folders."""

    def has_dirs(self):
        return False

    def _objects(self, prefix: str):
        local_prefix = local_path(prefix)
        top = local_prefix if os.path.isdir(local_prefix) else os.path.dirname(local_prefix)
        for folder, _, names in os.walk(top):
            for name in names:
                local = os.path.join(folder, name)
                if local.startswith(local_prefix):
                    yield local

    def _list(self, dir_or_prefix):
        for local in self._objects(dir_or_prefix):
            stat = os.stat(local)
            yield FileMetadata(url(local), stat.st_size, stat.st_mtime)

    def create(self, path, mime_type="application/octet-stream", compression_type=None):
        os.makedirs(os.path.dirname(local_path(path)), exist_ok=True)
        return open(local_path(path), "wb")

    def open(self, path, mime_type="application/octet-stream", compression_type=None):
        return open(local_path(path), "rb")

    def copy(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            os.makedirs(os.path.dirname(local_path(destination)), exist_ok=True)
            shutil.copyfile(local_path(source), local_path(destination))

    def rename(self, source_file_names, destination_file_names):
        self.copy(source_file_names, destination_file_names)
        self.delete(source_file_names)

    def exists(self, path):
        return os.path.isfile(local_path(path))

    def size(self, path):
        return os.path.getsize(local_path(path))

    def last_updated(self, path):
        return os.path.getmtime(local_path(path))

    def checksum(self, path):
        return str(os.path.getsize(local_path(path)))

    def metadata(self, path):
        return FileMetadata(path, self.size(path), self.last_updated(path))

    def delete(self, paths):
        missing = {path: FileNotFoundError(path) for path in paths if not self.exists(path)}
        if missing:
            raise BeamIOError("Delete operation failed", missing)
        for path in paths:
            os.remove(local_path(path))
