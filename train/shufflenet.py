"""ShuffleNet v1, structure and parameter names of megvii ShuffleNet-Series.

Names match the official code (first_conv.0.weight, features.N.branch_main_1.3.weight,
classifier.0.weight, ...) so the published ImageNet checkpoints load by name; their input
convention differs from ours and load_checkpoint converts it (megvii_to_ours). Variants follow
docs/MODEL_FORMAT.md's "backbone" object.
"""
import math
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

# Paper Table 1, 1.0x stage 2/3/4 output widths.
WIDTHS_1X = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960),
             4: (272, 544, 1088), 8: (384, 768, 1536)}
GROUPS = (1, 2, 3, 4, 8)
SCALES = (0.25, 0.5, 1.0, 1.5, 2.0)

DEFAULT_BACKBONE = {"groups": 3, "width": 1.0, "shallow": False, "se": False,
                    "shuffle": True, "num_classes": 1000}


def round_width(x, multiple):
    """Nearest multiple of `multiple`, ties upward (x, multiple integers)."""
    x = int(round(x))
    r = x % multiple
    return x - r + (multiple if 2 * r >= multiple else 0)


def stage_widths(groups, width):
    """Stage 2/3/4 output widths for a group count and width multiplier."""
    if groups not in WIDTHS_1X:
        raise ValueError("groups must be one of %s, got %r" % (GROUPS, groups))
    if width not in SCALES:
        raise ValueError("width must be one of %s, got %r" % (SCALES, width))
    return tuple(round_width(width * w, 4 * groups) for w in WIDTHS_1X[groups])


def stem_width(groups, width):
    if width in (0.25, 0.5):
        return 16 if groups == 8 else 12
    if width in (1.0, 1.5):
        return 24
    return 48


def stage_repeats(shallow):
    return (2, 4, 2) if shallow else (4, 8, 4)


def channel_shuffle(x, groups, order="official"):
    """Channel shuffle.

    official (megvii code): view C as (C/g, g), transpose -> output channel
    i*(C/g) + j takes input channel j*g + i.
    paper: view C as (g, C/g), transpose -> the inverse permutation.
    """
    b, c, h, w = x.shape
    if order == "official":
        x = x.reshape(b, c // groups, groups, h, w).permute(0, 2, 1, 3, 4)
    elif order == "paper":
        x = x.reshape(b, groups, c // groups, h, w).transpose(1, 2)
    else:
        raise ValueError("unknown shuffle order %r" % order)
    return x.reshape(b, c, h, w)


class SEBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        hidden = max(1, channels // 16)
        self.fc1 = nn.Conv2d(channels, hidden, 1, bias=True)
        self.fc2 = nn.Conv2d(hidden, channels, 1, bias=True)

    def forward(self, x):
        s = x.mean(dim=(2, 3), keepdim=True)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class ShuffleV1Block(nn.Module):
    def __init__(self, inp, oup, *, group, first_group, mid_channels, ksize=3, stride=1,
                 se=False, shuffle=True, shuffle_order="official"):
        super().__init__()
        assert stride in (1, 2)
        self.stride = stride
        self.group = group
        self.shuffle = shuffle
        self.shuffle_order = shuffle_order
        self.inp = inp
        pad = ksize // 2
        outputs = oup - inp if stride == 2 else oup
        self.branch_main_1 = nn.Sequential(
            nn.Conv2d(inp, mid_channels, 1, 1, 0, groups=1 if first_group else group, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, mid_channels, ksize, stride, pad, groups=mid_channels, bias=False),
            nn.BatchNorm2d(mid_channels),
        )
        self.branch_main_2 = nn.Sequential(
            nn.Conv2d(mid_channels, outputs, 1, 1, 0, groups=group, bias=False),
            nn.BatchNorm2d(outputs),
        )
        self.se = SEBlock(outputs) if se else None
        if stride == 2:
            self.branch_proj = nn.AvgPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, old_x):
        x = self.branch_main_1(old_x)
        if self.group > 1 and self.shuffle:
            x = channel_shuffle(x, self.group, self.shuffle_order)
        x = self.branch_main_2(x)
        if self.se is not None:
            x = self.se(x)
        if self.stride == 1:
            return F.relu(x + old_x)
        return torch.cat((self.branch_proj(old_x), F.relu(x)), 1)


class ShuffleNetV1(nn.Module):
    """ShuffleNet v1. `cfg` is MODEL_FORMAT.md's "backbone" object (keyword args override)."""

    def __init__(self, cfg=None, *, shuffle_order="official", **kw):
        super().__init__()
        c = dict(DEFAULT_BACKBONE)
        if cfg:
            unknown = set(cfg) - set(DEFAULT_BACKBONE)
            if unknown:
                raise ValueError("unknown backbone config keys: %s" % sorted(unknown))
            c.update(cfg)
        c.update(kw)
        c["width"] = float(c["width"])
        self.config = c
        g, s = int(c["groups"]), c["width"]
        self.group = g
        self.shuffle_order = shuffle_order
        self.stage_out_channels = [-1, stem_width(g, s)] + list(stage_widths(g, s))
        self.stage_repeats = list(stage_repeats(c["shallow"]))
        input_channel = self.stage_out_channels[1]
        self.first_conv = nn.Sequential(
            nn.Conv2d(3, input_channel, 3, 2, 1, bias=False),
            nn.BatchNorm2d(input_channel),
            nn.ReLU(inplace=True),
        )
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        feats = []
        for idx, n in enumerate(self.stage_repeats):
            out = self.stage_out_channels[idx + 2]
            for i in range(n):
                feats.append(ShuffleV1Block(
                    input_channel, out, group=g, first_group=(idx == 0 and i == 0),
                    mid_channels=out // 4, ksize=3, stride=2 if i == 0 else 1,
                    se=bool(c["se"]), shuffle=bool(c["shuffle"]), shuffle_order=shuffle_order))
                input_channel = out
        self.features = nn.Sequential(*feats)
        # Unit index ranges [start, end) of stages 2, 3, 4 within `features`.
        ends = [sum(self.stage_repeats[:k + 1]) for k in range(3)]
        self.stage_ranges = [(0, ends[0]), (ends[0], ends[1]), (ends[1], ends[2])]
        self.num_classes = int(c["num_classes"])
        if self.num_classes > 0:
            self.classifier = nn.Sequential(
                nn.Linear(self.stage_out_channels[-1], self.num_classes, bias=False))
        else:
            self.classifier = None

    @property
    def stage3_channels(self):
        return self.stage_out_channels[3]

    @property
    def stage4_channels(self):
        return self.stage_out_channels[4]

    def forward_features(self, x):
        """Return {"stage2", "stage3", "stage4"[, "logits"]}."""
        out = {}
        x = self.maxpool(self.first_conv(x))
        for name, (a, b) in zip(("stage2", "stage3", "stage4"), self.stage_ranges):
            for i in range(a, b):
                x = self.features[i](x)
            out[name] = x
        if self.classifier is not None:
            out["logits"] = self.classifier(x.mean(dim=(2, 3)))
        return out

    def forward(self, x):
        f = self.forward_features(x)
        return f["logits"] if "logits" in f else f["stage4"]


def strip_module_prefix(state):
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}


# Our input convention (train_imagenet.py, detector.py's image_mean/image_std, the Go engine):
# RGB scaled to [0, 1], then (x - MEAN) / STD per channel.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def megvii_to_ours(state):
    """A megvii ShuffleNet-Series state dict converted to our input convention; a new dict.

    megvii trained on BGR pixels 0-255 without normalization (their ToBGRTensor: img[:, :, ::-1],
    float, no /255, no Normalize); our models take RGB (x / 255 - MEAN) / STD. Pixel p of channel c
    (RGB) is 255 * (STD[c] * x[c] + MEAN[c]) in our input x, and megvii's input channel 2 - c, so the
    first convolution w becomes w'[o, c] = w[o, 2 - c] * 255 * STD[c] (input channels reversed,
    each scaled), and its constant part, sum over c and the 3x3 taps of w[o, 2 - c] * 255 * MEAN[c],
    is folded into the following BatchNorm: first_conv.1.running_mean -= it (BN subtracts the
    running mean). Exact, up to float rounding, at every output position whose 3x3 window lies
    inside the image; where it overlaps the zero padding (the first output row and column, and the
    last ones when the input side is odd) it is not: megvii's padding is pixel value 0, ours is the
    mean pixel, so those outputs differ, and everything after them a little. Other tensors are
    copied unchanged. Not for .bin files or our own training checkpoints (already ours).
    """
    for k in ("first_conv.0.weight", "first_conv.1.running_mean"):
        if k not in state:
            raise KeyError("megvii_to_ours: no %s in the state dict (not a ShuffleNet-Series checkpoint?)" % k)
    out = dict(state)
    w = state["first_conv.0.weight"].double()
    if w.dim() != 4 or w.shape[1] != 3:
        raise ValueError("megvii_to_ours: first_conv.0.weight has shape %s, want [C, 3, k, k]" % list(w.shape))
    w_rgb = w.flip(1)  # input channel c (RGB) is megvii's channel 2 - c (BGR)
    mean = torch.tensor(MEAN, dtype=torch.float64).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float64).view(1, 3, 1, 1)
    shift = (w_rgb * 255 * mean).sum(dim=(1, 2, 3))
    rm = state["first_conv.1.running_mean"]
    out["first_conv.0.weight"] = (w_rgb * 255 * std).to(state["first_conv.0.weight"].dtype)
    out["first_conv.1.running_mean"] = (rm.double() - shift).to(rm.dtype)
    return out


def torch_load_checked(path, **kwargs):
    """torch.load(path, **kwargs) of a checkpoint whose zip members (what torch.save writes) all
    match their CRC-32s, at the cost of one more read of the file: torch.load never checks them,
    and a bit flipped by a bad disk or copy was loaded as a weight without a word. A damaged
    member raises zipfile.BadZipFile naming it (the caller names the file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except Exception:  # no zip archive (a legacy torch.save, no checkpoint, not there) or a member
        bad = None     # zipfile cannot read (torch.save compresses none): torch.load's error, as before
    if bad is not None:
        raise zipfile.BadZipFile("damaged: its member %s fails its CRC-32 check (a bad disk or copy?)" % bad)
    return torch.load(path, **kwargs)


def read_checkpoint(path):
    """Load a .pth/.pth.tar checkpoint: (flat state dict without `module.`, ours), where ours is
    True for a checkpoint of our own training scripts (OUT/last.pt: "model" and "iteration"),
    whose weights already take our input convention."""
    ckpt = torch_load_checked(path, map_location="cpu")
    ours = isinstance(ckpt, dict) and "iteration" in ckpt and isinstance(ckpt.get("model"), dict)
    if isinstance(ckpt, dict):
        for key in ("state_dict", "model", "model_state_dict"):
            if key in ckpt and isinstance(ckpt[key], dict):
                ckpt = ckpt[key]
                break
    return strip_module_prefix(ckpt), ours


def load_imagenet_state(path):
    """An ImageNet checkpoint's state dict in our input convention: a megvii one converted
    (megvii_to_ours), one of our own training scripts' last.pt as it is."""
    state, ours = read_checkpoint(path)
    return state if ours else megvii_to_ours(state)


def load_checkpoint(model, path, strict=True):
    """Load an official megvii checkpoint (DataParallel `module.` keys) into `model`, converted to
    our input convention (megvii_to_ours)."""
    state = load_imagenet_state(path)
    if model.classifier is None:
        state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
    model.load_state_dict(state, strict=strict)
    return model


def trunk_state(model):
    """State dict of a ShuffleNetV1 as written to .bin (no num_batches_tracked)."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


@torch.no_grad()
def randomize_(model, seed=None):
    """Random, non-trivial weights: kaiming convs, random BN statistics/affine.

    BN: running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5),
    bias ~ N(0, 0.1). Keeps activations in a sane range through all 16 units.
    """
    gen = torch.Generator().manual_seed(seed) if seed is not None else None

    def normal(t, std):
        t.copy_(torch.randn(t.shape, generator=gen) * std)

    def uniform(t, lo, hi):
        t.copy_(lo + (hi - lo) * torch.rand(t.shape, generator=gen))

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.weight[0].numel()
            normal(m.weight, math.sqrt(2.0 / fan_in))
            if m.bias is not None:
                normal(m.bias, 0.1)
        elif isinstance(m, nn.BatchNorm2d):
            normal(m.running_mean, 0.1)
            uniform(m.running_var, 0.5, 1.5)
            uniform(m.weight, 0.5, 1.5)
            normal(m.bias, 0.1)
        elif isinstance(m, nn.Linear):
            normal(m.weight, 1.0 / math.sqrt(m.in_features))
            if m.bias is not None:
                normal(m.bias, 0.01)
    # Damp the residual branches: with BN statistics that do not match the data,
    # relu(x + branch) grows the activations unit by unit; a 0.25 scale on the
    # branch's last 1x1 conv keeps stage 4 at std ~0.5..3 for every variant.
    for blk in model.features:
        blk.branch_main_2[0].weight.mul_(0.25)
        if blk.se is not None:
            normal(blk.se.fc1.weight, 1.0 / math.sqrt(blk.se.fc1.in_channels))
            normal(blk.se.fc2.weight, 1.0 / math.sqrt(blk.se.fc2.in_channels))
    return model


def count_macs_params(model, size=224):
    """Multiply-adds of convs and linear layers at size x size, and parameter count."""
    macs = [0]

    def conv_hook(m, inp, out):
        k = m.weight[0].numel()  # in/groups * kh * kw
        macs[0] += out.numel() // out.shape[0] * k

    def lin_hook(m, inp, out):
        macs[0] += m.in_features * m.out_features * (out.numel() // out.shape[0] // m.out_features)

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was)
    for h in hooks:
        h.remove()
    params = sum(p.numel() for p in model.parameters())
    return macs[0], params
