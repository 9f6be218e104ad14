"""InMemoryData: exact uint8 <-> [-1, 1] conversion, and an index-based batcher that is
deterministic, covers every item once per epoch and keeps labels with their images."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import Dataset

from gan_course.data.tensor_data import InMemoryData, from_float, to_float
from gan_course.errors import ConfigError


def numbered_images(n: int, *, labelled: bool = True) -> InMemoryData:
    """n images (1, 2, 2) whose every pixel is the item's index; label = index % 3."""
    data = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous()
    labels = torch.arange(n) % 3 if labelled else None
    return InMemoryData(data, labels, name="numbered")


def item_ids(x: torch.Tensor) -> torch.Tensor:
    """Recover the item indices from a float batch of numbered_images."""
    return from_float(x)[:, 0, 0, 0].long()


def test_to_float_maps_every_byte_exactly():
    """Is 0 -> -1 and 255 -> +1 exact, and every byte k -> k / 127.5 - 1?"""
    values = torch.arange(256, dtype=torch.uint8)
    converted = to_float(values)
    assert converted.dtype == torch.float32
    assert converted[0].item() == -1.0 and converted[255].item() == 1.0
    expected = torch.tensor([k / 127.5 - 1 for k in range(256)], dtype=torch.float32)
    torch.testing.assert_close(converted, expected, atol=1e-7, rtol=0)
    assert torch.equal(from_float(converted), values)  # exact round trip


def test_from_float_clips_out_of_range_values():
    assert from_float(torch.tensor([-3.0, 2.5, 0.0])).tolist() == [0, 255, 128]  # 0 -> 127.5 rounds to even


def test_getitem_converts_one_image_and_returns_its_label():
    data = InMemoryData(torch.tensor([0, 255, 51, 204], dtype=torch.uint8).view(1, 1, 2, 2), torch.tensor([7]),
                        num_classes=10)
    x, y = data[0]
    assert x.dtype == torch.float32 and x.shape == (1, 2, 2)
    torch.testing.assert_close(x.flatten(), torch.tensor([-1.0, 1.0, -0.6, 0.6]), atol=1e-6, rtol=0)
    assert y.dtype == torch.int64 and y.item() == 7
    assert isinstance(data, Dataset) and len(data) == 1


def test_unlabelled_items_have_label_minus_one_and_batches_give_none():
    data = numbered_images(4, labelled=False)
    assert data[2][1].item() == -1
    assert data.num_classes == 0 and data.class_names == [] and not data.labelled
    _, y = next(data.batches(2))
    assert y is None


def test_facts_describe_the_data():
    data = numbered_images(6)
    assert (data.kind, data.shape, data.num_classes, data.class_names) == ("image", (1, 2, 2), 3, ["0", "1", "2"])
    points = InMemoryData(torch.zeros(5, 2, dtype=torch.float64))
    assert (points.kind, points.shape, points.data.dtype) == ("points", (2,), torch.float32)


def test_an_epoch_covers_every_item_exactly_once():
    data = numbered_images(10)
    generator = torch.Generator().manual_seed(0)
    ids = torch.cat([item_ids(x) for x, _ in data.batches(3, drop_last=False, generator=generator)])
    assert sorted(ids.tolist()) == list(range(10))
    sizes = [len(x) for x, _ in data.batches(3, drop_last=False)]
    assert sizes == [3, 3, 3, 1]
    kept = torch.cat([item_ids(x) for x, _ in data.batches(3, drop_last=True)])
    assert len(kept) == 9 and len(set(kept.tolist())) == 9


def test_batch_order_is_the_seeded_permutation():
    """Same seed, same batches, in the order of torch.randperm with that generator?"""
    data = numbered_images(12)
    ids = torch.cat([item_ids(x) for x, _ in data.batches(4, generator=torch.Generator().manual_seed(42))])
    assert torch.equal(ids, torch.randperm(12, generator=torch.Generator().manual_seed(42)))
    again = torch.cat([item_ids(x) for x, _ in data.batches(4, generator=torch.Generator().manual_seed(42))])
    other = torch.cat([item_ids(x) for x, _ in data.batches(4, generator=torch.Generator().manual_seed(43))])
    assert torch.equal(ids, again) and not torch.equal(ids, other)


def test_one_generator_gives_a_new_order_each_epoch():
    data, generator = numbered_images(12), torch.Generator().manual_seed(0)
    first = torch.cat([item_ids(x) for x, _ in data.batches(4, generator=generator)])
    second = torch.cat([item_ids(x) for x, _ in data.batches(4, generator=generator)])
    assert not torch.equal(first, second)


def test_batches_keep_labels_with_their_images_and_convert_values():
    data = numbered_images(9)
    for x, y in data.batches(4, drop_last=False, device="cpu"):
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert torch.equal(y, item_ids(x) % 3)
        torch.testing.assert_close(x[:, 0, 0, 0], item_ids(x).float() / 127.5 - 1, atol=1e-6, rtol=0)


def test_unshuffled_batches_run_in_storage_order():
    data = numbered_images(5)
    ids = torch.cat([item_ids(x) for x, _ in data.batches(2, shuffle=False, drop_last=False)])
    assert ids.tolist() == [0, 1, 2, 3, 4]


def test_points_are_batched_unchanged():
    points = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    data = InMemoryData(points)
    order = torch.randperm(8, generator=torch.Generator().manual_seed(1))
    x = torch.cat([x for x, _ in data.batches(4, generator=torch.Generator().manual_seed(1))])
    assert torch.equal(x, points[order])


def test_steps_per_epoch_counts_the_batches():
    data = numbered_images(10)
    assert data.steps_per_epoch(3) == 3 == len(list(data.batches(3)))
    assert data.steps_per_epoch(3, drop_last=False) == 4
    assert data.steps_per_epoch(5) == 2 == data.steps_per_epoch(5, drop_last=False)


def test_a_batch_larger_than_the_data_is_a_config_error():
    data = numbered_images(10)
    with pytest.raises(ConfigError, match="larger than the dataset"):
        data.steps_per_epoch(11)
    with pytest.raises(ConfigError, match="at most 10"):
        next(data.batches(64))
    assert data.steps_per_epoch(11, drop_last=False) == 1
    with pytest.raises(ConfigError, match="positive"):
        data.steps_per_epoch(0)


def test_sample_draws_distinct_items():
    data = numbered_images(10)
    x, y = data.sample(6, generator=torch.Generator().manual_seed(0))
    ids = item_ids(x)
    assert len(set(ids.tolist())) == 6 and torch.equal(y, ids % 3)
    assert torch.equal(ids, torch.randperm(10, generator=torch.Generator().manual_seed(0))[:6])
    with pytest.raises(ConfigError, match="at most 10"):
        data.sample(11)


def test_subset_and_split_partition_the_items():
    data = numbered_images(10)
    part = data.subset([4, 1])
    assert part.data[:, 0, 0, 0].tolist() == [4, 1] and part.labels.tolist() == [1, 1]
    assert part.num_classes == 3 and part.name == "numbered"
    first, second = data.split(0.7, generator=torch.Generator().manual_seed(0))
    assert (len(first), len(second)) == (7, 3)
    together = torch.cat([first.data, second.data])[:, 0, 0, 0].tolist()
    assert sorted(together) == list(range(10))
    with pytest.raises(ConfigError):
        data.split(1.5)


def test_to_device_keeps_everything_but_the_storage():
    data = numbered_images(4).to("cpu")
    assert data.device.type == "cpu" and data.num_classes == 3 and torch.equal(data.labels, torch.arange(4) % 3)


@pytest.mark.parametrize(
    "data, labels",
    [
        (torch.zeros(2, 1, 4, 4), None),  # float images
        (torch.zeros(2, 4, 4, dtype=torch.uint8), None),  # missing channel axis
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.zeros(3, dtype=torch.int64)),  # wrong label count
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.zeros(2)),  # float labels
    ],
)
def test_malformed_tensors_are_rejected(data, labels):
    with pytest.raises(ValueError):
        InMemoryData(data, labels)
