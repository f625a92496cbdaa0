"""The text protocol: the block of ``label<TAB>value`` fields a charger sends every second.

A block is ``\\r\\n<label>\\t<value>`` per field and ends with ``\\r\\nChecksum\\t<byte>``; all
its bytes, from the first ``\\r`` to the checksum byte, add up to 0 (mod 256). The checksum
byte can be anything, ``':'`` and ``'\\r'`` included (vedirect.md §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKSUM_LABEL = "Checksum"
MAX_LABEL = 9  # bytes; the text protocol's own limits (TXTDOC "Implementation guidelines")
MAX_VALUE = 33
MAX_FIELDS = 22


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One block whose checksum verified, its fields in the order they came."""

    fields: tuple[tuple[str, str], ...]

    def get(self, label: str) -> str | None:
        for name, value in self.fields:
            if name == label:
                return value
        return None

    def as_dict(self) -> dict[str, str]:
        return dict(self.fields)

    def encode(self) -> bytes:
        """The block as a device sends it, checksum byte included."""
        return encode_block(self.fields)


def encode_block(fields: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> bytes:
    body = b"".join(f"\r\n{label}\t{value}".encode("ascii") for label, value in fields)
    body += f"\r\n{CHECKSUM_LABEL}\t".encode("ascii")
    return body + bytes((-sum(body) & 0xFF,))
