"""Faster R-CNN (C4) on ShuffleNet v1, built from torchvision 0.14's FasterRCNN.

backbone  = first_conv .. end of stage 3 (stride 16), out_channels = stage-3 width
rpn       = AnchorGenerator(((32,64,128,256,512),), ((0.5,1,2),)) + RPNHeadC4 (conv 3x3 + ReLU,
            cls_logits, bbox_pred)
roi pool  = MultiScaleRoIAlign(['0'], 14, 2), its scale fixed at 1/16 (fixed_scale)
box head  = stage-4 units + global average pool -> [N, stage-4 width]
predictor = FastRCNNPredictor(stage-4 width, K+1)

State is exported under the .bin names of docs/MODEL_FORMAT.md (trunk names
`first_conv.*`, `features.N.*` for all stages, `rpn.head.*`,
`roi_heads.box_predictor.*`), see detector_state / load_detector_state.
"""
import copy
import json
import math
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.poolers import initLevelMapper

from safetensors_io import blobs_crc32, encode, read_safetensors, write_safetensors
from shufflenet import DEFAULT_BACKBONE, MEAN, STD, ShuffleNetV1, randomize_, trunk_state

COCO_CLASSES = [
    (1, "person"), (2, "bicycle"), (3, "car"), (4, "motorcycle"), (5, "airplane"), (6, "bus"),
    (7, "train"), (8, "truck"), (9, "boat"), (10, "traffic light"), (11, "fire hydrant"),
    (13, "stop sign"), (14, "parking meter"), (15, "bench"), (16, "bird"), (17, "cat"),
    (18, "dog"), (19, "horse"), (20, "sheep"), (21, "cow"), (22, "elephant"), (23, "bear"),
    (24, "zebra"), (25, "giraffe"), (27, "backpack"), (28, "umbrella"), (31, "handbag"),
    (32, "tie"), (33, "suitcase"), (34, "frisbee"), (35, "skis"), (36, "snowboard"),
    (37, "sports ball"), (38, "kite"), (39, "baseball bat"), (40, "baseball glove"),
    (41, "skateboard"), (42, "surfboard"), (43, "tennis racket"), (44, "bottle"),
    (46, "wine glass"), (47, "cup"), (48, "fork"), (49, "knife"), (50, "spoon"), (51, "bowl"),
    (52, "banana"), (53, "apple"), (54, "sandwich"), (55, "orange"), (56, "broccoli"),
    (57, "carrot"), (58, "hot dog"), (59, "pizza"), (60, "donut"), (61, "cake"), (62, "chair"),
    (63, "couch"), (64, "potted plant"), (65, "bed"), (67, "dining table"), (70, "toilet"),
    (72, "tv"), (73, "laptop"), (74, "mouse"), (75, "remote"), (76, "keyboard"),
    (77, "cell phone"), (78, "microwave"), (79, "oven"), (80, "toaster"), (81, "sink"),
    (82, "refrigerator"), (84, "book"), (85, "clock"), (86, "vase"), (87, "scissors"),
    (88, "teddy bear"), (89, "hair drier"), (90, "toothbrush"),
]
assert len(COCO_CLASSES) == 80

RES_MAX = {300: 500, 600: 1000}  # the paper's two sizes, the recipes' presets


def longer_side_cap(res):
    """The cap on the longer side that goes with shorter side res, as the Go engine's -res sets it
    (configs.LongerSideCap): 5/3 of it, rounded down (300 / 500, 600 / 1000, 800 / 1333)."""
    if not 32 <= res <= 2458:
        raise ValueError("res %r out of range (32 to 2458, as the Go engine's -res)" % res)
    return res * 5 // 3


def default_classes(k=80):
    if k <= 80:
        return [{"id": i, "name": n} for i, n in COCO_CLASSES[:k]]
    return [{"id": i + 1, "name": "class_%d" % (i + 1)} for i in range(k)]


def detector_section(res=600, num_classes=80, classes=None, score_thresh=0.05):
    if res not in RES_MAX:
        raise ValueError("res must be 300 or 600, got %r" % res)
    return {
        "min_size": res, "max_size": RES_MAX[res],
        "image_mean": list(MEAN),
        "image_std": list(STD),
        "size_divisible": 32,
        "classes": classes if classes is not None else default_classes(num_classes),
        "rpn": {
            "channels": 256,
            "anchor_sizes": [32, 64, 128, 256, 512],
            "aspect_ratios": [0.5, 1.0, 2.0],
            "pre_nms_top_n": 6000, "post_nms_top_n": 300,
            "nms_thresh": 0.7, "score_thresh": 0.0, "min_box_size": 0.001,
        },
        "roi": {
            "output_size": 14, "sampling_ratio": 2,
            "score_thresh": score_thresh, "nms_thresh": 0.5, "detections_per_img": 100,
            "bbox_reg_weights": [10.0, 10.0, 5.0, 5.0],
        },
    }


def make_config(backbone, detector=None):
    b = dict(DEFAULT_BACKBONE)
    b.update(backbone)
    b["width"] = float(b["width"])
    if detector is not None:
        b["num_classes"] = 0
    return {"version": 1, "backbone": b, "detector": detector}


class C4Backbone(nn.Module):
    """first_conv, maxpool and the stage 2-3 units of a ShuffleNetV1 (shared modules)."""

    def __init__(self, trunk):
        super().__init__()
        self.first_conv = trunk.first_conv
        self.maxpool = trunk.maxpool
        end3 = trunk.stage_ranges[1][1]
        self.body = nn.Sequential(*[trunk.features[i] for i in range(end3)])
        self.out_channels = trunk.stage3_channels

    def forward(self, x):
        return self.body(self.maxpool(self.first_conv(x)))


class Stage4BoxHead(nn.Module):
    """Stage-4 units of a ShuffleNetV1 (shared modules) + global average pool -> [N, C4]."""

    def __init__(self, trunk):
        super().__init__()
        a, b = trunk.stage_ranges[2]
        self.units = nn.Sequential(*[trunk.features[i] for i in range(a, b)])
        self.out_channels = trunk.stage4_channels

    def forward(self, x):
        return self.units(x).mean(dim=(2, 3))


class RPNHeadC4(nn.Module):
    """conv 3x3 + ReLU, then 1x1 objectness (A) and box deltas (4A); torchvision RPNHead init."""

    def __init__(self, in_channels, channels, num_anchors):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.cls_logits = nn.Conv2d(channels, num_anchors, 1)
        self.bbox_pred = nn.Conv2d(channels, 4 * num_anchors, 1)
        for m in (self.conv, self.cls_logits, self.bbox_pred):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.constant_(m.bias, 0)

    def forward(self, x):
        logits, bbox = [], []
        for f in x:
            t = F.relu(self.conv(f))
            logits.append(self.cls_logits(t))
            bbox.append(self.bbox_pred(t))
        return logits, bbox


FEATURE_STRIDE = 16  # the trunk's C4 features: stages 1-3


def fixed_scale(pool):
    """pool, a MultiScaleRoIAlign on the C4 features, with its scale fixed at 1/16, the trunk's
    stride. torchvision infers it from the first batch the pool sees (the power of two nearest the
    feature map's height over the tallest image's before padding) and keeps it: 1/8 when that
    batch is a panorama resized to under 68 rows, for every later image and training step too. The
    Go engine pools at 1/16 (backbone.FeatureStride)."""
    level = FEATURE_STRIDE.bit_length() - 1
    pool.scales = [1.0 / FEATURE_STRIDE]
    pool.map_levels = initLevelMapper(level, level, canonical_scale=pool.canonical_scale,
                                      canonical_level=pool.canonical_level)
    return pool


def build_detector(cfg):
    """Build the torchvision FasterRCNN for a full config (MODEL_FORMAT.md)."""
    bcfg = dict(cfg["backbone"])
    d = cfg["detector"]
    if d is None:
        raise ValueError("config has no detector section")
    if bcfg.get("num_classes", 0) != 0:
        raise ValueError("a detector config must have backbone.num_classes 0")
    trunk = ShuffleNetV1(bcfg)
    rpn = d["rpn"]
    roi = d["roi"]
    num_anchors = len(rpn["anchor_sizes"]) * len(rpn["aspect_ratios"])
    anchor_gen = AnchorGenerator(sizes=(tuple(rpn["anchor_sizes"]),),
                                 aspect_ratios=(tuple(rpn["aspect_ratios"]),))
    head = RPNHeadC4(trunk.stage3_channels, rpn["channels"], num_anchors)
    pool = fixed_scale(MultiScaleRoIAlign(["0"], roi["output_size"], roi["sampling_ratio"]))
    box_head = Stage4BoxHead(trunk)
    predictor = FastRCNNPredictor(trunk.stage4_channels, len(d["classes"]) + 1)
    model = FasterRCNN(
        C4Backbone(trunk), num_classes=None,
        min_size=d["min_size"], max_size=d["max_size"],
        image_mean=list(d["image_mean"]), image_std=list(d["image_std"]),
        rpn_anchor_generator=anchor_gen, rpn_head=head,
        rpn_pre_nms_top_n_test=rpn["pre_nms_top_n"], rpn_post_nms_top_n_test=rpn["post_nms_top_n"],
        rpn_nms_thresh=rpn["nms_thresh"], rpn_score_thresh=rpn["score_thresh"],
        box_roi_pool=pool, box_head=box_head, box_predictor=predictor,
        box_score_thresh=roi["score_thresh"], box_nms_thresh=roi["nms_thresh"],
        box_detections_per_img=roi["detections_per_img"],
        bbox_reg_weights=tuple(roi["bbox_reg_weights"]),
    )
    model.transform.size_divisible = d["size_divisible"]
    model.rpn.min_size = rpn["min_box_size"]
    # Not registered as a submodule (its modules already are, via backbone/box head).
    object.__setattr__(model, "trunk", trunk)
    model.shuffledet_config = copy.deepcopy(cfg)
    return model


def set_resolution(model, res):
    model.transform.min_size = (res,)
    model.transform.max_size = longer_side_cap(res)


def _prefixed(prefix, module):
    return {prefix + k: v for k, v in module.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def detector_state(model):
    """The detector's tensors under their .bin names."""
    s = dict(trunk_state(model.trunk))
    s.update(_prefixed("rpn.head.", model.rpn.head))
    s.update(_prefixed("roi_heads.box_predictor.", model.roi_heads.box_predictor))
    return s


def predictor_rows(tensors, rows, fill=None):
    """The box predictor's tensors of tensors (.bin names) with class rows rows: row r of the
    result is tensors' row rows[r] (0: the background, 1 + i: class i), or fill's row r where
    rows[r] is None (fill: another predictor's tensors, its names without the prefix, as a
    FastRCNNPredictor's state_dict gives them). cls_score has one row a class, bbox_pred four."""
    p = "roi_heads.box_predictor."
    out = {}
    for name, per in (("cls_score", 1), ("bbox_pred", 4)):
        for part in ("weight", "bias"):
            key = name + "." + part
            src = tensors[p + key]
            out[p + key] = torch.cat([(src[r * per:(r + 1) * per] if r is not None
                                       else fill[key][i * per:(i + 1) * per]).detach()
                                      for i, r in enumerate(rows)]).clone()
    return out


def load_detector_state(model, tensors):
    """Load .bin-named tensors strictly (missing or unknown names raise)."""
    parts = {"trunk": {}, "rpn.head.": {}, "roi_heads.box_predictor.": {}}
    unknown = []
    for k, v in tensors.items():
        if k.startswith("first_conv.") or k.startswith("features."):
            parts["trunk"][k] = v
        elif k.startswith("rpn.head."):
            parts["rpn.head."][k[len("rpn.head."):]] = v
        elif k.startswith("roi_heads.box_predictor."):
            parts["roi_heads.box_predictor."][k[len("roi_heads.box_predictor."):]] = v
        else:
            unknown.append(k)
    if unknown:
        raise ValueError("unknown tensors for a detector: %s" % sorted(unknown))
    _load_strict(model.trunk, parts["trunk"], "")
    _load_strict(model.rpn.head, parts["rpn.head."], "rpn.head.")
    _load_strict(model.roi_heads.box_predictor, parts["roi_heads.box_predictor."],
                 "roi_heads.box_predictor.")


def _load_strict(module, state, prefix):
    expected = {k for k in module.state_dict() if not k.endswith("num_batches_tracked")}
    missing = sorted(prefix + k for k in expected - set(state))
    extra = sorted(prefix + k for k in set(state) - expected)
    if missing or extra:
        raise ValueError("tensor mismatch: missing %s, unexpected %s" % (missing, extra))
    module.load_state_dict(state, strict=False)


@torch.no_grad()
def randomize_detector_(model, seed=None):
    """Random trunk (see shufflenet.randomize_) and heads whose outputs actually vary.

    The head layers are random, then calibrated on a seeded synthetic image: each
    output channel gets a bias that centres it and a scale that sets its spread over
    positions / RoIs (objectness ~2, RPN deltas ~0.3, class logits ~1, box deltas
    ~0.5 before the (10,10,5,5) weights), plus a random offset. Without this the
    positive post-ReLU inputs make one class (or anchor) win everywhere.
    """
    randomize_(model.trunk, seed)
    gen = torch.Generator().manual_seed((seed if seed is not None else 0) + 1)

    def normal(t, std):
        t.copy_(torch.randn(t.shape, generator=gen) * std)

    def calibrate(w, b, x, spread, offset):
        # w: [out, in] view, x: [n, in] inputs; out = x @ w.T + b
        normal(w, 1.0)
        xc = x - x.mean(dim=0, keepdim=True)
        sd = (xc @ w.t()).std(dim=0).clamp_min(1e-6)
        w.mul_((spread / sd).view(-1, 1))
        b.copy_(-(x.mean(dim=0) @ w.t()) + torch.randn(b.shape, generator=gen) * offset)

    was = model.training
    model.eval()
    # Seeded synthetic image: smooth colour blobs plus a little noise.
    low = torch.rand((1, 3, 12, 16), generator=gen)
    img = F.interpolate(low, size=(320, 416), mode="bilinear", align_corners=False)
    img = (img + 0.05 * torch.rand(img.shape, generator=gen)).clamp(0, 1)
    mean = torch.tensor(model.transform.image_mean).view(1, 3, 1, 1)
    std = torch.tensor(model.transform.image_std).view(1, 3, 1, 1)
    feat = model.backbone((img - mean) / std)

    h = model.rpn.head
    normal(h.conv.weight, math.sqrt(2.0 / h.conv.weight[0].numel()))
    normal(h.conv.bias, 0.1)
    t = F.relu(h.conv(feat))
    x = t[0].flatten(1).t()  # [positions, channels]
    calibrate(h.cls_logits.weight.view(h.cls_logits.out_channels, -1), h.cls_logits.bias, x, 2.0, 1.0)
    calibrate(h.bbox_pred.weight.view(h.bbox_pred.out_channels, -1), h.bbox_pred.bias, x, 0.3, 0.1)

    # Box features of random RoIs on the synthetic image.
    H, W = img.shape[-2:]
    xy = torch.rand((128, 2), generator=gen) * torch.tensor([W * 0.8, H * 0.8])
    wh = 16 + torch.rand((128, 2), generator=gen) * torch.tensor([W * 0.5, H * 0.5])
    rois = torch.cat([torch.zeros(128, 1), xy, (xy + wh).minimum(torch.tensor([W - 1.0, H - 1.0]))], 1)
    from torchvision.ops import roi_align
    pooled = roi_align(feat, rois, model.roi_heads.box_roi_pool.output_size, 1.0 / FEATURE_STRIDE,
                       model.roi_heads.box_roi_pool.sampling_ratio)
    f = model.roi_heads.box_head(pooled)
    p = model.roi_heads.box_predictor
    calibrate(p.cls_score.weight, p.cls_score.bias, f, 1.0, 0.5)
    calibrate(p.bbox_pred.weight, p.bbox_pred.bias, f, 0.5, 0.1)
    model.train(was)
    return model


def model_state(model):
    """Tensors under .bin names for a classifier/backbone or a detector."""
    if isinstance(model, ShuffleNetV1):
        return trunk_state(model)
    return detector_state(model)


def save_bin(model, path, cfg):
    write_bin(path, model_state(model), cfg)


def bin_checksum(crc, config_text):
    """A .bin's "crc32" metadata: the CRC-32 of its data section (crc) followed by its config
    text, 8 lower-case hex digits (docs/MODEL_FORMAT.md)."""
    return "%08x" % zlib.crc32(config_text.encode("utf-8"), crc)


def write_bin(path, tensors, cfg):
    """Write tensors (.bin names, as float32) and the config (a dict, or its JSON text) as a .bin
    model file (read_bin's)."""
    tensors = {k: v.float() for k, v in tensors.items()}
    text = cfg if isinstance(cfg, str) else json.dumps(cfg)
    encoded = encode(tensors)
    meta = {"format": "shuffledet", "config": text, "crc32": bin_checksum(blobs_crc32(encoded[1]), text)}
    write_safetensors(path, tensors, meta, encoded)


def read_bin(path):
    """(tensors, config dict) of a .bin; a file whose checksum is missing or does not match
    (damaged) is refused, as the Go loader does."""
    tensors, meta, crc = read_safetensors(path, with_crc32=True)
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        # (as the Go loader: safetensors metadata maps strings to strings)
        raise ValueError("%s: __metadata__ is not a map of strings to strings" % path)
    if meta.get("format") != "shuffledet":
        raise ValueError("%s: __metadata__.format is %r, want \"shuffledet\"" % (path, meta.get("format")))
    if "config" not in meta:
        raise ValueError("%s: __metadata__ has no config" % path)
    check_checksum(path, meta, crc)
    try:
        cfg = json.loads(meta["config"])
    except ValueError as e:
        raise ValueError("%s: __metadata__.config is not JSON: %s" % (path, e))
    if not isinstance(cfg, dict):
        raise ValueError("%s: __metadata__.config is not a JSON object" % path)
    return tensors, cfg


def check_checksum(path, meta, crc):
    """Refuse a .bin whose metadata (meta) has no checksum or one that its data section's CRC-32
    (crc) and config text do not give."""
    if "crc32" not in meta:
        raise ValueError("%s: metadata has no crc32, the checksum of its tensors and configuration (files "
                         "written before 2026-12-05 lack it: train/export.py --restamp OLD.bin --out NEW.bin "
                         "adds it)" % path)
    want = bin_checksum(crc, meta["config"])
    if meta["crc32"] != want:
        raise ValueError("%s: damaged: its tensors and configuration give checksum %s, its metadata crc32 "
                         "says %s" % (path, want, meta["crc32"]))


def load_bin(path):
    """Rebuild the exact model (ShuffleNetV1 or FasterRCNN) from a .bin; eval mode."""
    tensors, cfg = read_bin(path)
    if cfg.get("detector") is None:
        model = ShuffleNetV1(cfg["backbone"])
        _load_strict(model, tensors, "")
        model.shuffledet_config = cfg
    else:
        model = build_detector(cfg)
        load_detector_state(model, tensors)
    return model.eval()


def load_trunk(path):
    """The ShuffleNetV1 trunk of any .bin (classifier or detector); eval mode."""
    tensors, cfg = read_bin(path)
    model = ShuffleNetV1(cfg["backbone"])
    _load_strict(model, {k: v for k, v in tensors.items()
                         if k.startswith(("first_conv.", "features.", "classifier."))}, "")
    model.shuffledet_config = cfg
    return model.eval()
