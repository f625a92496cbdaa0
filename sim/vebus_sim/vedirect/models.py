"""The chargers the simulator can be: nameplate figures of real Blue Smart models.

The simulator is the charger, so it may know its own model; the library never does (it
reads the limits from the charger). Minimum currents are not documented: a quarter of the
maximum is assumed (the IP22 12|30 takes nothing below about 7.5 A, vedirect.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChargerModel:
    key: str
    name: str
    product_id: int
    nominal_voltage: float  # V
    maximum_current: float  # A
    minimum_current: float  # A, 0xEDC8
    outputs: int = 1
    firmware: str = "0342FF"
    serial: str = "HQ2230XY6XR"
    # IP22 chargers stream their MCU-to-Bluetooth link traffic (0x2009, 0x200E, …) and
    # report a battery sense voltage (0xEE16); the IP65 12|25 does neither (captures).
    link_chatter: bool = True
    battery_sense: bool = True
    temperature_field: bool = True  # the text field T ("---" without a sensor)
    low_current_mode: bool = True  # 0xE001
    hc: str = "1105659"  # the undocumented HC# field, as captured


MODELS: dict[str, ChargerModel] = {
    model.key: model
    for model in (
        ChargerModel("ip22-12-30", "Blue Smart IP22 Charger 12|30 (1)", 0xA330, 12.0, 30.0, 7.5),
        ChargerModel("ip22-24-8", "Blue Smart IP22 Charger 24|8", 0xA332, 24.0, 8.0, 2.0,
                     serial="HQ2249TNFVM", hc="57825"),
        ChargerModel("ip22-24-12", "Blue Smart IP22 Charger 24|12", 0xA334, 24.0, 12.0, 3.0),
        ChargerModel("ip22-24-16", "Blue Smart IP22 Charger 24|16 (3)", 0xA336, 24.0, 16.0,
                     4.0, outputs=3),
        ChargerModel("ip65-12-25", "Blue Smart IP65 Charger 12|25", 0xA30A, 12.0, 25.0, 6.2,
                     firmware="0325FF", serial="HQ2232GGMEH", link_chatter=False,
                     battery_sense=False, temperature_field=False, low_current_mode=False,
                     hc="136663"),
    )
}  # fmt: skip


def get_model(key: str) -> ChargerModel:
    try:
        return MODELS[key]
    except KeyError:
        raise ValueError(f"unknown charger model {key!r}; known: {', '.join(MODELS)}") from None
