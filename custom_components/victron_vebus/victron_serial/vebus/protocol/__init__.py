"""The MK2/MK3 protocol: framing, and one module per command family (protocol.md).

``framing`` turns bytes into frames and back; ``codec`` is the shape every exchange is
declared in; ``mk2`` the interface's own commands, ``info`` the 'F' info frames, ``winmon``
the W/X/Y/Z commands, ``variables`` RAM variables and settings. ``ids`` names the numbers and
bits the protocol carries, ``scaling`` turns raw words into engineering units with the scales
the unit reports. The client and the simulator both speak through these classes.
"""

from .codec import Command, Matcher, Request
from .framing import DecoderStats, Frame, FrameDecoder, encode_frame, encode_mk2
from .info import (
    AcInfoReply,
    AcInfoRequest,
    AcInputConfigReply,
    AcInputConfigRequest,
    DcInfoReply,
    DcInfoRequest,
    InfoRequest,
    TakeSnapshot,
)
from .mk2 import (
    AddressReply,
    AddressRequest,
    InterfaceReply,
    InterfaceRequest,
    LedReply,
    LedRequest,
    RawSwitchCommand,
    ResetRequest,
    SetStateReply,
    SetStateRequest,
    VersionReply,
    VersionRequest,
)
from .variables import (
    GetRamVarInfo,
    GetSettingInfo,
    RawSettingInfo,
    RawVarInfo,
    ReadRamVars,
    ReadSetting,
    WriteAck,
    WriteViaId,
)
from .winmon import (
    GetSerialNumber,
    GetSetDeviceState,
    ReadSnapshot,
    VersionPart0,
    VersionPart1,
    WinmonCommand,
    WinmonReply,
    WinmonRequest,
)

__all__ = [
    "AcInfoReply",
    "AcInfoRequest",
    "AcInputConfigReply",
    "AcInputConfigRequest",
    "AddressReply",
    "AddressRequest",
    "Command",
    "DcInfoReply",
    "DcInfoRequest",
    "DecoderStats",
    "Frame",
    "FrameDecoder",
    "GetRamVarInfo",
    "GetSerialNumber",
    "GetSetDeviceState",
    "GetSettingInfo",
    "InfoRequest",
    "InterfaceReply",
    "InterfaceRequest",
    "LedReply",
    "LedRequest",
    "Matcher",
    "RawSettingInfo",
    "RawSwitchCommand",
    "RawVarInfo",
    "ReadRamVars",
    "ReadSetting",
    "ReadSnapshot",
    "Request",
    "ResetRequest",
    "SetStateReply",
    "SetStateRequest",
    "TakeSnapshot",
    "VersionPart0",
    "VersionPart1",
    "VersionReply",
    "VersionRequest",
    "WinmonCommand",
    "WinmonReply",
    "WinmonRequest",
    "WriteAck",
    "WriteViaId",
    "encode_frame",
    "encode_mk2",
]
