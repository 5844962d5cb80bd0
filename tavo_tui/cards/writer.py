"""`write_card`: PNG (chara V2 + ccv3 V3 chunks), V2/V3 JSON, or CHARX, chosen by extension."""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tavo_tui.cards.archive import write_zip
from tavo_tui.cards.avatar import avatar_png
from tavo_tui.cards.errors import DEFAULT_LIMITS, CardError, Limits
from tavo_tui.cards.loaded import LoadedCard
from tavo_tui.cards.png import PNG_MAGIC, PngFormatError, rebuild_png, strip_card_chunks, text_chunk
from tavo_tui.cards.serialize import to_json, v2_object, v3_object
from tavo_tui.model.card import Card

FORMATS = {".png": "png", ".json": "json", ".charx": "charx"}


def write_card(
    card: Card | LoadedCard,
    path: Path,
    *,
    image: bytes | None = None,
    v2: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> list[str]:
    """Write `card` to `path` in the format its extension names; returns warnings.

    Pass the LoadedCard (not just its card) to keep the original image, archive files and
    top-level extras, and to re-emit unchanged PNG card chunks byte for byte. `v2=True` writes
    V2 JSON instead of V3. The file is replaced atomically.
    """
    path = Path(path)
    loaded = card if isinstance(card, LoadedCard) else LoadedCard(card=card, format="new")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise CardError(path, f"cannot write cards as {path.suffix or 'a file without extension'!r} "
                              "(use .png, .json or .charx)")
    warnings: list[str] = []
    if kind == "png":
        blob = png_bytes(loaded, image, warnings, limits, path)
    elif kind == "json":
        obj = v2_object(loaded.card, loaded.envelope) if v2 else v3_object(loaded.card, loaded.envelope)
        blob = (to_json(obj) + "\n").encode("utf-8")
    else:
        blob = charx_bytes(loaded, image, warnings, limits)
    _check_reads_back(blob, path, kind, limits)
    _atomic_write(path, blob)
    return warnings


def _check_reads_back(blob: bytes, path: Path, kind: str, limits: Limits) -> None:
    """Refuse to write a file our own reader would refuse (a card too big for a PNG chunk, say), with why."""
    from tavo_tui.cards.reader import read_card_bytes  # the reader imports nothing of the writer

    try:
        read_card_bytes(blob, path, limits=limits)
    except CardError as e:
        other = "JSON (.json)" if kind != "json" else "CHARX (.charx)"
        raise CardError(path, f"not written: as {kind.upper()} this card would be refused when read "
                              f"({e.problem}); save it as {other} instead") from None


def _b64_json(obj: dict[str, Any]) -> str:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def card_chunks(loaded: LoadedCard) -> list[tuple[bytes, bytes]]:
    """The chara (V2) and ccv3 (V3) chunks; unchanged cards reuse their original payloads."""
    keep = loaded.source_chunks if loaded.unchanged else {}
    chara = keep.get("chara") or text_chunk("chara", _b64_json(v2_object(loaded.card, loaded.envelope)))
    ccv3 = keep.get("ccv3") or text_chunk("ccv3", _b64_json(v3_object(loaded.card, loaded.envelope)))
    return [chara, ccv3]


def png_bytes(
    loaded: LoadedCard, image: bytes | None, warnings: list[str], limits: Limits, path: Path | None = None
) -> bytes:
    base = image if image is not None else loaded.image
    if base is not None and not base.startswith(PNG_MAGIC):
        warnings.append("the image is not a PNG; a generated placeholder avatar was used instead")
        base = None
    if base is None:
        base = avatar_png(loaded.card.name)
    try:
        return rebuild_png(base, card_chunks(loaded), limits)
    except PngFormatError as e:
        raise CardError(path, f"cannot embed the card in the image: {e}") from None


def _ext(blob: bytes) -> str:
    if blob.startswith(PNG_MAGIC):
        return "png"
    if blob[:4] == b"RIFF" and blob[8:12] == b"WEBP":
        return "webp"
    if blob.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if blob[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return "bin"


def charx_bytes(loaded: LoadedCard, image: bytes | None, warnings: list[str], limits: Limits) -> bytes:
    card = loaded.card
    files = {k: v for k, v in loaded.files.items() if not k.startswith("__asset:")}
    if len(files) != len(loaded.files):
        warnings.append("legacy PNG asset chunks (__asset:N) are not carried into CHARX")
    icon = image if image is not None else loaded.image
    assets = [dict(a) for a in card.assets or []]
    has_icon = any(a.get("type") == "icon" and loaded.asset_bytes(str(a.get("uri", ""))) for a in assets
                   if str(a.get("uri", "")) != "ccdefault:")
    if icon is not None and (image is not None or not has_icon):
        ext = _ext(icon)
        if ext == "png":
            try:
                icon = strip_card_chunks(icon, limits)  # no stale card copy inside the icon
            except PngFormatError:
                pass  # keep a damaged image as it is; it is only an asset
        member = f"assets/icon/images/main.{ext}"
        files[member] = icon
        record = {"type": "icon", "uri": f"embeded://{member}", "name": "main", "ext": ext}
        assets = [a for a in assets if not (a.get("type") == "icon" and a.get("name") == "main")]
        assets.insert(0, record)
        card = card.model_copy(update={"assets": assets})
    out = {"card.json": (to_json(v3_object(card, loaded.envelope)) + "\n").encode("utf-8"), **files}
    return write_zip(out, limits)


def _atomic_write(path: Path, blob: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            # mkstemp creates 0600; a card is an ordinary document, so keep the target's mode or 0644.
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise CardError(path, f"cannot write file ({e.strerror or e})") from None
