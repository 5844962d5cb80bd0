"""`read_card`: sniff the container from magic bytes, extract the payload, normalise it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from tavo_tui.cards.archive import ArchiveError, read_zip
from tavo_tui.cards.backyard import byaf_member, byaf_to_data
from tavo_tui.cards.book import TooManyEntries, entry_budget
from tavo_tui.cards.errors import DEFAULT_LIMITS, CardError, Limits
from tavo_tui.cards.exif import ExifError, comment_text, decimal_bytes, jpeg_exif, user_comment, webp_exif
from tavo_tui.cards.loaded import LoadedCard
from tavo_tui.cards.normalize import Normalized, NotACard, card_from_data, normalize
from tavo_tui.cards.payload import PayloadError, b64decode_lenient, chunk_json, parse_json
from tavo_tui.cards.png import PNG_MAGIC, TEXT_TYPES, PngFormatError, iter_chunks, parse_text_chunk

_PROBLEMS = (PngFormatError, PayloadError, NotACard, ArchiveError, ExifError, TooManyEntries)


def sniff(head: bytes) -> str:
    """Container type from the first bytes: png, webp, jpeg, zip, json or unknown."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return "json"
    return "unknown"


def read_card(path: Path, *, limits: Limits = DEFAULT_LIMITS, with_image: bool = True) -> LoadedCard:
    """Read any supported card file. Raises CardError (naming the file) and nothing else.

    `with_image=False` skips reading PNG image data (used for cheap library listings).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file:
            raise CardError(path, f"file is {size} bytes, over the {limits.max_file}-byte limit")
        with path.open("rb") as f:
            head = f.read(16)
            kind = sniff(head)
            f.seek(0)
            if kind == "png" and not with_image:
                with entry_budget(limits.max_book_entries(size)):
                    return _guarded(path, lambda: _png(f, path, limits, None))
            # Sized read of what stat() reported (+1 to notice growth): f.read(cap) would
            # pre-allocate the whole cap, tens of MB, for every small card.
            data = f.read(size + 1)
        return read_card_bytes(data, path, limits=limits)
    except CardError:
        raise
    except OSError as e:
        raise CardError(path, f"cannot read file ({e.strerror or e})") from None


def read_card_bytes(data: bytes, path: Path | str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> LoadedCard:
    """`read_card` for bytes already in memory; `path` only names the file in messages."""
    p = Path(path) if path is not None else None
    if len(data) > limits.max_file:
        raise CardError(p, f"file is over the {limits.max_file}-byte limit")
    with entry_budget(limits.max_book_entries(len(data))):
        return _guarded(p, lambda: _dispatch(data, p, limits))


def _dispatch(data: bytes, p: Path | None, limits: Limits) -> LoadedCard:
    kind = sniff(data[:16])
    if kind == "png":
        return _png(io.BytesIO(data), p, limits, data)
    if kind == "json":
        return _json(data, p, limits)
    if kind == "zip":
        return _zip(data, p, limits, "")
    if kind == "webp":
        return _exif_card(webp_exif(data), p, limits, "webp", data)
    if kind == "jpeg":
        if b"PK\x03\x04" in data:
            return _zip(data, p, limits, "jpeg+")
        return _exif_card(jpeg_exif(data), p, limits, "jpeg", data)
    if b"PK\x03\x04" in data[: 1024 * 1024]:
        return _zip(data, p, limits, "sfx+")
    raise CardError(p, "not a character card (unrecognised file type)")


def _guarded(p: Path | None, read: Callable[[], LoadedCard]) -> LoadedCard:
    """Run a reader, turning every problem with the input into one CardError naming the file."""
    try:
        return read()
    except CardError:
        raise
    except _PROBLEMS as e:
        raise CardError(p, str(e)) from None
    except (RecursionError, MemoryError) as e:
        raise CardError(p, f"card too complex to read ({type(e).__name__})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, NotImplementedError) as e:
        raise CardError(p, f"malformed card data ({type(e).__name__}: {e})") from None
    except Exception as e:  # the last line of defence: hostile input never escapes as a traceback
        raise CardError(p, f"unreadable card ({type(e).__name__}: {e})") from None


def _loaded(n: Normalized, fmt: str, path: Path | None, warnings: list[str], **kw: Any) -> LoadedCard:
    return LoadedCard(
        card=n.card, format=fmt, path=path, warnings=warnings, envelope=n.envelope,
        source_card=n.card.model_copy(deep=True), **kw,
    )


def _json(data: bytes, path: Path | None, limits: Limits) -> LoadedCard:
    warnings: list[str] = []
    n = normalize(parse_json(data, warnings, limits.max_json), warnings)
    loaded = _loaded(n, f"json-{n.family}", path, warnings)
    loaded.image = _main_icon(loaded)  # V3 JSON may inline its icon as a data: URI
    return loaded


def _png(f: BinaryIO, path: Path | None, limits: Limits, whole: bytes | None) -> LoadedCard:
    warnings: list[str] = []
    found: dict[str, tuple[bytes, bytes]] = {}
    assets: dict[str, bytes] = {}
    exif: bytes | None = None
    try:
        for ch in iter_chunks(f, limits, (*TEXT_TYPES, b"eXIf"), _wanted_keyword):
            if ch.data is None:
                continue
            if ch.type == b"eXIf":
                exif = exif if exif is not None else ch.data
                continue
            kw = ch.data.split(b"\0", 1)[0].decode("latin-1")
            key = kw.lower()
            if key in ("chara", "ccv3"):
                if not ch.crc_ok:
                    warnings.append(f"{kw} chunk has a bad CRC; read anyway")
                if key in found:
                    warnings.append(f"duplicate {kw} chunk ignored (the first one is used)")
                else:
                    found[key] = (ch.type, ch.data)
            elif key.startswith("chara-ext-asset_"):
                text = _chunk_text(ch.type, ch.data, limits)
                try:
                    num = key.removeprefix("chara-ext-asset_").lstrip(":")
                    assets[f"__asset:{num}"] = b64decode_lenient(text)
                except PayloadError:
                    warnings.append(f"{kw} chunk is not valid base64; skipped")
    except PngFormatError as e:
        if not found:
            raise
        warnings.append(f"{e}; card chunks before the damage were read")
    if not found:
        if exif is not None:
            return _exif_card(exif, path, limits, "png", whole)
        raise PngFormatError("PNG has no character data (no chara or ccv3 text chunk)")
    results: dict[str, tuple[Normalized, list[str]]] = {}
    errors: dict[str, str] = {}
    for key, (ctype, cdata) in found.items():
        w: list[str] = []
        try:
            obj = chunk_json(_chunk_text(ctype, cdata, limits), w, limits.max_json)
            results[key] = (normalize(obj, w), w)
        except (PayloadError, NotACard, PngFormatError) as e:
            errors[key] = str(e)
    if not results:
        raise PayloadError("; ".join(f"{k} chunk: {v}" for k, v in errors.items()))
    win = "ccv3" if "ccv3" in results else "chara"
    n, w = results[win]
    warnings.extend(w)
    for bad, err in errors.items():
        warnings.append(f"{bad} chunk unreadable ({err}); used {win}")
    source = {win: found[win]}
    if win == "ccv3" and "chara" in results:
        if results["chara"][0].card != n.card:
            warnings.append("chara (V2) and ccv3 (V3) chunks disagree; kept the V3 data")
        else:
            source["chara"] = found["chara"]
    return _loaded(n, f"png-{n.family}", path, warnings, image=whole, files=assets, source_chunks=source)


def _wanted_keyword(kw: str) -> bool:
    return kw in ("chara", "ccv3") or kw.startswith("chara-ext-asset_")


def _chunk_text(ctype: bytes, data: bytes, limits: Limits) -> bytes:
    return parse_text_chunk(ctype, data, limits)[1]


def _exif_card(
    tiff: bytes | None, path: Path | None, limits: Limits, container: str, image: bytes | None
) -> LoadedCard:
    if tiff is None:
        raise ExifError(f"{container.upper()} file has no EXIF data, so no character card")
    raw = user_comment(tiff)
    if raw is None:
        raise ExifError(f"{container.upper()} file has no character data (no EXIF UserComment)")
    text = comment_text(raw, big_endian=tiff.removeprefix(b"Exif\0\0")[:2] == b"MM")
    warnings: list[str] = []
    decimal = decimal_bytes(text)
    if decimal is not None:
        payload = decimal
    elif text.lstrip().startswith("{"):
        payload = text.encode("utf-8")
    else:
        payload = b64decode_lenient(text.encode("ascii", errors="replace"))
    n = normalize(parse_json(payload, warnings, limits.max_json), warnings)
    return _loaded(n, f"{container}-{n.family}", path, warnings, image=image)


def _zip(data: bytes, path: Path | None, limits: Limits, prefix: str) -> LoadedCard:
    files = read_zip(data, limits)
    warnings: list[str] = []
    if prefix:
        warnings.append("ZIP archive found after other data (JPEG/SFX prefix)")
    if "manifest.json" in files and "card.json" not in files:
        return _byaf(files, path, limits, warnings)
    card_name = "card.json" if "card.json" in files else None
    if card_name is None:
        nested = sorted(n for n in files if n.endswith("/card.json"))
        if not nested:
            raise ArchiveError("archive has no card.json (not a CHARX) and no manifest.json (not a BYAF)")
        card_name = nested[0]
        warnings.append(f"card.json found at {card_name!r} instead of the archive root")
    obj = parse_json(files.pop(card_name), warnings, limits.max_json)
    if isinstance(obj, dict) and obj.get("spec") != "chara_card_v3":
        warnings.append(f"CHARX card.json has spec {obj.get('spec')!r}, expected chara_card_v3")
    n = normalize(obj, warnings)
    loaded = _loaded(n, "charx", path, warnings, files=files)
    loaded.image = _main_icon(loaded)
    return loaded


def _main_icon(loaded: LoadedCard) -> bytes | None:
    icons = [a for a in loaded.card.assets or [] if a.get("type") == "icon" and isinstance(a.get("uri"), str)]
    icons.sort(key=lambda a: a.get("name") != "main")
    for a in icons:
        blob = loaded.asset_bytes(a["uri"])
        if blob:
            return blob
    return None


def _byaf(files: dict[str, bytes], path: Path | None, limits: Limits, warnings: list[str]) -> LoadedCard:
    manifest = parse_json(files["manifest.json"], warnings, limits.max_json)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("characters"), list):
        raise NotACard("BYAF manifest.json lacks a characters list")
    chars = [c for c in manifest["characters"] if isinstance(c, str)]
    if not chars:
        raise NotACard("BYAF manifest lists no character")
    if len(chars) > 1:
        warnings.append("BYAF archive has several characters; the first is used")
    char_path = chars[0]
    if char_path not in files:
        raise ArchiveError(f"BYAF character file {char_path!r} is missing")
    character = parse_json(files[char_path], warnings, limits.max_json)
    if not isinstance(character, dict):
        raise NotACard("BYAF character.json is not an object")
    scenarios = []
    for sp in manifest.get("scenarios") or []:
        if isinstance(sp, str) and sp in files:
            s = parse_json(files[sp], warnings, limits.max_json)
            if isinstance(s, dict):
                scenarios.append(s)
        else:
            warnings.append(f"BYAF scenario {sp!r} is missing")
    data = byaf_to_data(manifest, character, scenarios, warnings)
    card = card_from_data(data, warnings)
    image = None
    for img in character.get("images") or []:
        rel = img.get("path") if isinstance(img, dict) else None
        member = byaf_member(char_path, rel) if isinstance(rel, str) else None
        if member is None:
            warnings.append(f"BYAF image path {rel!r} is unsafe or invalid; skipped")
        elif member in files:
            image = files[member]
            break
    n = Normalized(card, "byaf")
    return _loaded(n, "byaf", path, warnings, image=image)
