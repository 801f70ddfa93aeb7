"""train/roi_align.py against torchvision's roi_align: values and feature gradients."""
import os
import sys
import unittest

import torch
import torchvision
from torchvision.ops import MultiScaleRoIAlign

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roi_align import SeparableRoIAlign, roi_align  # noqa: E402


def boxes_for(g, n, h, w, stride):
    """n boxes in image units over an h x w map at stride: ordinary ones, and the edges torchvision
    treats specially: thinner than a map cell (widened to one), reaching past the map (samples
    beyond -1 or the size are zero; those in the last cell clamp to it), wholly outside, and
    exactly on the map's border, with samples exactly on its limits."""
    H, W = h * stride, w * stride
    x1 = torch.rand(n, generator=g) * W * 1.2 - 0.1 * W
    y1 = torch.rand(n, generator=g) * H * 1.2 - 0.1 * H
    bw = torch.rand(n, generator=g) * W * 0.8
    bh = torch.rand(n, generator=g) * H * 0.8
    b = torch.stack([x1, y1, x1 + bw, y1 + bh], 1)
    special = torch.tensor([
        [10.0, 12.0, 11.0, 12.5],  # under a cell wide and high
        [-40.0, -40.0, 30.0, 30.0],  # starts left of and above the map
        [W - 20.0, H - 20.0, W + 50.0, H + 50.0],  # ends past the map
        [W + 30.0, H + 30.0, W + 90.0, H + 90.0],  # wholly outside
        [0.0, 0.0, float(W), float(H)],  # the whole map
        [W - stride, H - stride, float(W), float(H)],  # the last cell
        # 14 cells wide: at 14 bins of 2 samples, a sample falls exactly on the map's far border
        # (kept, clamped to the last line) or exactly on -1 (kept, weighted onto line 0)
        [W - 220.0, H - 220.0, W + 4.0, H + 4.0],
        [-20.0, -20.0, 204.0, 204.0],
    ])
    return torch.cat([b, special])


class RoIAlign(unittest.TestCase):
    def check(self, n, c, h, w, per_image, ratio, out, seed):
        g = torch.Generator().manual_seed(seed)
        stride = 16
        feat = torch.randn(n, c, h, w, generator=g, dtype=torch.float64)
        boxes = [boxes_for(g, k, h, w, stride).double() for k in per_image]
        f1 = feat.clone().requires_grad_()
        f2 = feat.clone().requires_grad_()
        want = torchvision.ops.roi_align(f1, boxes, out, 1.0 / stride, ratio, aligned=False)
        got = roi_align(f2, boxes, (out, out), 1.0 / stride, ratio)
        self.assertEqual(got.shape, want.shape)
        # float64 on both sides: the same function, so they agree to rounding
        err = (got - want).abs().max().item()
        self.assertTrue(err <= 1e-12, "values differ by %g" % err)
        up = torch.randn(want.shape, generator=g, dtype=torch.float64)
        (want * up).sum().backward()
        (got * up).sum().backward()
        err = (f2.grad - f1.grad).abs().max().item()
        self.assertTrue(err <= 1e-12, "feature gradients differ by %g" % err)

    def test_matches_torchvision(self):
        self.check(2, 5, 19, 25, [7, 4], 2, 14, 0)
        self.check(1, 3, 8, 6, [10], 3, 7, 1)  # a small map: most boxes reach past it
        self.check(3, 2, 12, 17, [0, 5, 2], 1, 5, 2)  # an image without boxes

    def test_float32_close(self):
        # The dtype training uses: the products sum in another order than torchvision's loop.
        g = torch.Generator().manual_seed(3)
        feat = torch.randn(2, 240, 19, 25, generator=g)
        boxes = [boxes_for(g, 30, 19, 25, 16) for _ in range(2)]
        want = torchvision.ops.roi_align(feat, boxes, 14, 1.0 / 16, 2, aligned=False)
        got = roi_align(feat, boxes, (14, 14), 1.0 / 16, 2)
        err = ((got - want).abs().max() / want.abs().max()).item()
        self.assertTrue(err <= 1e-6, "relative difference %g" % err)

    def test_module_matches_multiscale(self):
        # The box head's pooler, scale inferred from the image size as torchvision does.
        g = torch.Generator().manual_seed(4)
        x = {"0": torch.randn(2, 4, 19, 25, generator=g, dtype=torch.float64)}
        boxes = [boxes_for(g, 6, 19, 25, 16).double() for _ in range(2)]
        shapes = [(300, 400), (290, 380)]
        want = MultiScaleRoIAlign(["0"], 14, 2)(x, boxes, shapes)
        got = SeparableRoIAlign(["0"], 14, 2)(x, boxes, shapes)
        err = (got - want).abs().max().item()
        self.assertTrue(err <= 1e-12, "values differ by %g" % err)

    def test_falls_back_to_torchvision(self):
        # An adaptive sampling ratio (0) is not factored: the module must give torchvision's
        # values exactly, through torchvision's own op.
        g = torch.Generator().manual_seed(5)
        x = {"0": torch.randn(1, 3, 19, 25, generator=g)}
        boxes = [boxes_for(g, 5, 19, 25, 16)]
        shapes = [(300, 400)]
        want = MultiScaleRoIAlign(["0"], 7, 0)(x, boxes, shapes)
        got = SeparableRoIAlign(["0"], 7, 0)(x, boxes, shapes)
        self.assertTrue(torch.equal(got, want))


if __name__ == "__main__":
    unittest.main()
