"""Transforms: one layout rule (NumPy arrays HWC, Tensors CHW), the same result before and after
ToTensor, seeded randomness, and a clear error for an image in the other layout."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from nn.data import transforms as T


def _hwc(h=4, w=5, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _chw(img: np.ndarray) -> np.ndarray:
    return img.transpose(2, 0, 1)


def test_to_tensor_matches_torchvision_convention():
    img = _hwc(2, 3)
    t = T.ToTensor()(img)
    assert isinstance(t, ag.Tensor) and t.shape == (3, 2, 3) and t.dtype == np.float32
    np.testing.assert_allclose(t.data, _chw(img) / 255.0, rtol=1e-6)
    assert T.ToTensor()(np.full((4, 4), 255, np.uint8)).shape == (1, 4, 4)
    assert float(T.ToTensor()(np.full((1, 1, 1), 255, np.uint8)).data.max()) == 1.0
    floats = np.random.default_rng(1).random((3, 2, 3))  # float arrays are only transposed
    np.testing.assert_array_equal(T.ToTensor()(floats).data, _chw(floats).astype(np.float32))


def test_flip_mirrors_an_hwc_image_and_keeps_its_colours():
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 0] = (255, 0, 0)  # a red pixel at the top left
    flipped = T.RandomHorizontalFlip(p=1.0)(img)
    assert isinstance(flipped, np.ndarray) and flipped.shape == (2, 3, 3)
    assert flipped[0, 2].tolist() == [255, 0, 0]  # still red, now at the top right
    assert flipped[0, 0].tolist() == [0, 0, 0]
    np.testing.assert_array_equal(flipped, img[:, ::-1, :])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


@pytest.mark.parametrize("transform", ["flip", "crop", "normalize"])
def test_before_and_after_to_tensor_agree(transform):
    """Every transform does the same to the image whether it meets the HWC array (before
    ToTensor) or the CHW Tensor (after): the same seed gives the same crop."""
    img = _hwc(6, 7, seed=3)

    def make():
        return {
            "flip": T.RandomHorizontalFlip(p=1.0),
            "crop": T.RandomCrop((4, 5), padding=(1, 2), generator=ag.Generator(7)),
            "normalize": T.Normalize([0.1, 0.5, 0.9], [0.2, 0.3, 0.4]),
        }[transform]

    before, after = make(), make()
    if transform == "normalize":  # Normalize works on scaled floats: compare on [0, 1] pixels
        img = img.astype(np.float32) / 255
    for _ in range(5):
        a = T.ToTensor()(before(img))
        b = after(T.ToTensor()(img))
        assert isinstance(b, ag.Tensor) and a.shape == b.shape
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6, atol=1e-6)


def test_cifar_crop_on_hwc_images():
    img = _hwc(32, 32)
    crop = T.RandomCrop(32, padding=4, generator=ag.Generator(0))
    outs = [crop(img) for _ in range(40)]
    assert all(o.shape == (32, 32, 3) and o.dtype == np.uint8 for o in outs)
    shifted = [o for o in outs if not np.array_equal(o, img)]
    assert shifted and any((o == 0).all(axis=2).any() for o in shifted)  # zero padding shows
    # a crop is a shifted window of the padded image: every channel moves together
    padded = np.pad(img, ((4, 4), (4, 4), (0, 0)))
    for o in outs[:10]:
        hits = [
            (i, j)
            for i in range(9)
            for j in range(9)
            if np.array_equal(padded[i : i + 32, j : j + 32], o)
        ]
        assert hits
    np.testing.assert_array_equal(T.RandomCrop((32, 32))(img), img)  # no padding: identity
    with pytest.raises(ValueError, match=r"larger than the padded image \(32, 32\).*HWC"):
        T.RandomCrop(33)(img)


def test_an_image_in_the_wrong_layout_is_refused():
    chw_array = _chw(_hwc(32, 32))  # (3, 32, 32) as an array: arrays must be HWC
    for t in [
        T.RandomHorizontalFlip(1.0),
        T.RandomCrop(32, padding=4),
        T.ToTensor(),
        T.Normalize([0.5] * 3, [0.2] * 3),
    ]:
        with pytest.raises(ValueError, match=r"must be HWC.*\(3, 32, 32\).*looks CHW"):
            t(chw_array)
    hwc_tensor = ag.tensor(_hwc(32, 32).astype(np.float32))  # (32, 32, 3) as a Tensor
    for t in [
        T.RandomHorizontalFlip(1.0),
        T.RandomCrop(32, padding=4),
        T.Normalize([0.5] * 3, [0.2] * 3),
    ]:
        with pytest.raises(ValueError, match=r"must be CHW.*\(32, 32, 3\).*looks HWC"):
            t(hwc_tensor)
    with pytest.raises(TypeError, match="ToTensor: expected an HWC NumPy image, got a Tensor"):
        T.ToTensor()(T.ToTensor()(_hwc()))
    with pytest.raises(ValueError, match="expected one image"):
        T.RandomHorizontalFlip(1.0)(np.zeros((2, 4, 4, 3), np.uint8))


def test_normalize_per_channel():
    x = ag.tensor(np.stack([np.full((2, 2), 0.5), np.full((2, 2), 1.0)]).astype(np.float32))
    out = T.Normalize([0.5, 0.0], [1.0, 0.5])(x)
    assert isinstance(out, ag.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.data[0], 0.0)
    np.testing.assert_allclose(out.data[1], 2.0)
    hwc = np.stack([np.full((2, 2), 0.5), np.full((2, 2), 1.0), np.zeros((2, 2))], axis=-1)
    out = T.Normalize([0.5, 0.0, 1.0], [1.0, 0.5, 2.0])(hwc)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out[..., 1], 2.0)
    np.testing.assert_allclose(out[..., 2], -0.5)
    with pytest.raises(ValueError, match="3 channel means for an image with 2 channels"):
        T.Normalize([0.5] * 3, [1.0] * 3)(x)
    with pytest.raises(ValueError, match="zero"):
        T.Normalize([0.5], [0.0])


def test_random_transforms_are_seeded():
    img = _hwc(4, 5)
    g = ag.Generator(0)
    flips = [T.RandomHorizontalFlip(0.5, g)(img)[0, 0, 0] == img[0, 4, 0] for _ in range(200)]
    assert 60 < sum(flips) < 140
    seeded = T.RandomHorizontalFlip(0.5, generator=3)  # an int seed: one stream, not a restart
    assert 0 < sum(seeded(img) is not img for _ in range(50)) < 50
    crop = T.RandomCrop(4, padding=2, generator=ag.Generator(1))
    outs = [crop(img) for _ in range(5)]
    again = T.RandomCrop(4, padding=2, generator=ag.Generator(1))
    for o in outs:
        np.testing.assert_array_equal(again(img), o)


def test_compose_pipeline():
    pipe = T.Compose([T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3), T.RandomHorizontalFlip(1.0)])
    img = np.zeros((2, 2, 3), np.uint8)
    img[0, 0] = 255
    out = pipe(img)
    assert out.shape == (3, 2, 2)
    np.testing.assert_allclose(out.data[:, 0, 1], 1.0)  # flipped: top-left is now top-right
    np.testing.assert_allclose(out.data[:, 1, 0], -1.0)
    assert "ToTensor" in repr(pipe)
