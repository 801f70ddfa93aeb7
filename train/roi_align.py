"""RoIAlign for training on CPU, as two matrix products per image.

torchvision's roi_align (aligned=False, a fixed sampling ratio: what the box head's
MultiScaleRoIAlign runs) averages, per bin, sampling_ratio^2 bilinear samples, and each sample's
four weights factor into a weight for its row and one for its column (a sample outside the map is
zero in either). So a RoI's pooled map is Y F X^T per channel: Y (bins x map rows) sums the row
weights of each bin row's samples, X the column weights likewise, F the image's feature map. Its
gradient is Y^T G X per channel, again two products, where torchvision's CPU backward scatters
every sample's four taps one value at a time: 0.55 of a 1.33 s iteration of the demo model (256
RoIs of 14 x 14 over 240 channels) on one thread; these products take 0.13 s forward and back.

Same function, different float rounding (sums in another order): the pooled values agree with
torchvision's to about 1e-6 of their scale (test_roi_align.py). Only training uses it; the
reference checks against the Go engine keep torchvision's op.
"""
import torch
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.poolers import _filter_input, _setup_scales


def axis_weights(start, end, pooled, ratio, size):
    """(R, pooled, size) weights of one axis: entry [r, p, i] sums the bilinear weights that bin p's
    samples along this axis give map line i, for RoIs spanning [start, end) in map units."""
    r = start.shape[0]
    length = (end - start).clamp(min=1.0)
    bin_size = length / pooled
    p = torch.arange(pooled, dtype=start.dtype).view(1, pooled, 1)
    i = torch.arange(ratio, dtype=start.dtype).view(1, 1, ratio)
    # torchvision's sample position: start + p * bin + (i + 0.5) * bin / ratio
    pos = start.view(r, 1, 1) + p * bin_size.view(r, 1, 1) + (i + 0.5) * bin_size.view(r, 1, 1) / ratio
    inside = ((pos >= -1.0) & (pos <= size)).to(start.dtype)
    pos = pos.clamp(min=0.0)
    low = pos.floor().long()
    last = low >= size - 1
    low = torch.where(last, torch.full_like(low, size - 1), low)
    high = torch.where(last, low, low + 1)
    frac = torch.where(last, torch.zeros_like(pos), pos - low.to(pos.dtype))
    w = torch.zeros(r, pooled, size, dtype=start.dtype)
    w.scatter_add_(2, low, (1.0 - frac) * inside)
    w.scatter_add_(2, high, frac * inside)
    return w


def roi_align(feat, boxes, output_size, scale, ratio):
    """torchvision.ops.roi_align(feat, boxes, output_size, scale, ratio, aligned=False) for boxes
    given per image (a list of (R_i, 4) tensors, x1 y1 x2 y2 in image units), by products."""
    n, c, h, w = feat.shape
    ph, pw = output_size
    out = []
    for b, rois in enumerate(boxes):
        r = rois.shape[0]
        if r == 0:
            out.append(feat.new_zeros(0, c, ph, pw))
            continue
        rois = rois.detach() * scale  # torchvision passes no gradient to the boxes either
        rows = axis_weights(rois[:, 1], rois[:, 3], ph, ratio, h)  # (R, ph, h)
        cols = axis_weights(rois[:, 0], rois[:, 2], pw, ratio, w)  # (R, pw, w)
        # (c*h, w) @ (w, R*pw): every map row's weighted sums for every RoI's bin columns, one
        # product for the image; then per RoI (ph, h) @ (h, c*pw), its bin rows. (Rows first
        # leaves a batch of products 14 columns wide for the second step: 1.8x slower.)
        t = feat[b].reshape(c * h, w) @ cols.reshape(r * pw, w).t()
        t = t.view(c, h, r, pw).permute(2, 1, 0, 3).reshape(r, h, c * pw)
        y = torch.bmm(rows, t)
        out.append((y.view(r, ph, c, pw) / (ratio * ratio)).permute(0, 2, 1, 3))
    return torch.cat(out)


class SeparableRoIAlign(MultiScaleRoIAlign):
    """MultiScaleRoIAlign on one feature map with a fixed sampling ratio, computed by roi_align
    above; anything else (several maps, an adaptive ratio) falls back to torchvision's."""

    def forward(self, x, boxes, image_shapes):
        feats = _filter_input(x, self.featmap_names)
        if len(feats) != 1 or self.sampling_ratio <= 0:
            return super().forward(x, boxes, image_shapes)
        if self.scales is None:
            self.scales, self.map_levels = _setup_scales(feats, image_shapes, self.canonical_scale,
                                                         self.canonical_level)
        return roi_align(feats[0], boxes, self.output_size, self.scales[0], self.sampling_ratio)
