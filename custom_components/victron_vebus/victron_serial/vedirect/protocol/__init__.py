"""The VE.Direct protocols: HEX frames (``hex``), text blocks (``text``), and the reader that
takes the two apart on one stream (``reader``). The client and the simulator both speak
through these classes."""

from .hex import (
    CHECK_SUM,
    FRAMING_ERROR,
    Command,
    Flags,
    FramingErrorReply,
    GetAppVersion,
    GetProductId,
    GetRegister,
    HexFrame,
    Ping,
    RegisterFrame,
    Request,
    Response,
    SetRegister,
    check_byte,
    decode_request,
)
from .reader import GAP, Item, ReaderStats, StreamReader
from .text import MAX_FIELDS, MAX_LABEL, MAX_VALUE, TextBlock, encode_block

__all__ = [
    "CHECK_SUM",
    "FRAMING_ERROR",
    "GAP",
    "MAX_FIELDS",
    "MAX_LABEL",
    "MAX_VALUE",
    "Command",
    "Flags",
    "FramingErrorReply",
    "GetAppVersion",
    "GetProductId",
    "GetRegister",
    "HexFrame",
    "Item",
    "Ping",
    "ReaderStats",
    "RegisterFrame",
    "Request",
    "Response",
    "SetRegister",
    "StreamReader",
    "TextBlock",
    "check_byte",
    "decode_request",
    "encode_block",
]
