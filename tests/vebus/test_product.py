"""What a unit is called: its product id names the model only where the frames agree."""

from __future__ import annotations

import pytest

from victron_serial.vebus import Family, Product, unit_position


@pytest.mark.parametrize(
    ("product", "name", "line"),
    [
        (Product(Family.MULTIPLUS, 48.0, 2623508), "MultiPlus-II 48/5000/70-50", "MultiPlus-II"),
        (
            Product(Family.MULTIPLUS, 12.0, 2608556),
            "MultiPlus Compact 12/2000/80-30",
            "MultiPlus Compact",
        ),
        (Product(Family.QUATTRO, 48.0, 2658465), "Quattro 48/5000/70-2x100", "Quattro"),
        # The list says a Quattro 24 V; the frames say one AC input and 12 V.
        (Product(Family.MULTIPLUS, 12.0, 2648304), "MultiPlus 12 V", "MultiPlus"),
        (Product(Family.MULTIPLUS, 24.0, 2623508), "MultiPlus 24 V", "MultiPlus"),
        (Product(Family.PHOENIX, 24.0, 2415420), "Phoenix 24 V", "Phoenix"),
        (Product(Family.MULTIPLUS), "MultiPlus", "MultiPlus"),
    ],
)
def test_the_model_is_named_by_its_product_id_where_the_frames_agree(
    product: Product, name: str, line: str
) -> None:
    assert (product.name, product.line) == (name, line)


def test_versions_read_as_victron_writes_them() -> None:
    product = Product(Family.MULTIPLUS, 48.0, 2623508)
    assert (product.product_id, product.firmware_display) == (2623, "v508 (2623508)")


def test_units_of_a_system_are_named_by_phase_and_place() -> None:
    assert [unit_position(a, 3, (0, 1, 2)) for a in (0, 1, 2)] == ["L1", "L2", "L3"]
    six = tuple(range(6))
    assert [unit_position(a, 3, six) for a in (0, 3)] == ["L1 unit 1", "L1 unit 2"]
    assert [unit_position(a, 1, (0, 1)) for a in (0, 1)] == ["unit 1", "unit 2"]
