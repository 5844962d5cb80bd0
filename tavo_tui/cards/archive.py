"""Reading ZIP containers (CHARX, BYAF) defensively: traversal, symlinks and bombs are refused."""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib

from tavo_tui.cards.errors import Limits

_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveError(ValueError):
    pass


def check_member_name(name: str) -> None:
    if not name or name.startswith("/") or "\\" in name or _DRIVE.match(name) or "\0" in name:
        raise ArchiveError(f"archive entry {name!r} has an unsafe path")
    if any(part == ".." for part in name.split("/")):
        raise ArchiveError(f"archive entry {name!r} climbs out of the archive ('..')")


def read_zip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """Every regular member of a ZIP as name -> bytes, after checking all limits before inflating.

    `__MACOSX/` resource forks and directories are skipped. Works on ZIPs with a prefix (SFX,
    JPEG polyglots) because zipfile locates the central directory from the end.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as e:
        raise ArchiveError(f"invalid ZIP archive ({e})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            raise ArchiveError(f"archive has {len(infos)} entries (limit {limits.max_zip_entries})")
        total = 0
        wanted = []
        for info in infos:
            name = info.filename
            check_member_name(name)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError(f"archive entry {name!r} is a symbolic link")
            if info.is_dir() or name.startswith("__MACOSX/"):
                continue
            if info.flag_bits & 0x1:
                raise ArchiveError(f"archive entry {name!r} is encrypted")
            if info.file_size > limits.max_zip_entry:
                raise ArchiveError(f"archive entry {name!r} inflates to {info.file_size} bytes (too large)")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.ratio_floor and ratio > limits.max_zip_ratio:
                raise ArchiveError(f"archive entry {name!r} has a compression ratio of {ratio:.0f} (zip bomb?)")
            total += info.file_size
            if total > limits.max_zip_total:
                raise ArchiveError(f"archive inflates to more than {limits.max_zip_total} bytes")
            wanted.append(info)
        out: dict[str, bytes] = {}
        for info in wanted:
            if info.filename in out:
                raise ArchiveError(f"archive has a duplicate entry {info.filename!r}")
            out[info.filename] = _read_capped(zf, info)
        return out


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Inflate one member, never past its declared size (headers can lie)."""
    buf = bytearray()
    try:
        with zf.open(info) as f:
            while chunk := f.read(65536):
                buf += chunk
                if len(buf) > info.file_size:
                    raise ArchiveError(f"archive entry {info.filename!r} is larger than declared")
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise ArchiveError(f"archive entry {info.filename!r} is corrupt ({e})") from None
    except Exception as e:  # zlib/bz2/lzma raise their own error types
        raise ArchiveError(f"archive entry {info.filename!r} is corrupt ({e})") from None
    return bytes(buf)


def write_zip(files: dict[str, bytes], limits: Limits | None = None) -> bytes:
    """A deterministic ZIP (fixed timestamps) of the given members, deflated. A member that would deflate past
    the ratio `read_zip` accepts is stored instead, so what is written here always reads back."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if limits is not None and len(data) > limits.ratio_floor:
                packed = len(zlib.compress(data, 6))
                if len(data) / max(packed, 1) > limits.max_zip_ratio:
                    info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()
