"""Is an uploaded photo really an image? Pure: bytes in, (media type, width, height) out.

Pillow is not a dependency and a phone sends JPEG (the page resizes on a canvas and encodes
JPEG), so the three formats a phone's browser makes are read by their headers: the magic bytes
and the frame size. A file whose header is not one of them, or whose size cannot be read from
it (a truncated or disguised file), is refused.
"""

import struct
from dataclasses import dataclass

MAX_PHOTO_BYTES = 2 * 1024 * 1024  # a 1280 px JPEG from the phone is ~200–400 KB
MAX_SIDE = 8000


@dataclass(frozen=True)
class ImageInfo:
    media_type: str
    width: int
    height: int


# JPEG start-of-frame markers carry the size; C4 (huffman), C8 (reserved), CC (arithmetic) do not.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> ImageInfo | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if length < 2:
            return None
        if marker in _SOF:
            if index + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return ImageInfo("image/jpeg", width, height)
        if marker == 0xDA:  # image data starts before any frame header: not a valid JPEG
            return None
        index += 2 + length
    return None


def _png(data: bytes) -> ImageInfo | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo("image/png", width, height)


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", data[26:30]))
    else:
        return None
    return ImageInfo("image/webp", width, height)


def sniff_image(data: bytes) -> ImageInfo | None:
    """The image the bytes hold, or None when they are not a JPEG, PNG or WebP with a sane size."""
    if data.startswith(b"\xff\xd8\xff"):
        info = _jpeg(data)
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        info = _png(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        info = _webp(data)
    else:
        info = None
    if info is None or not (0 < info.width <= MAX_SIDE and 0 < info.height <= MAX_SIDE):
        return None
    return info
