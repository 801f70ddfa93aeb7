"""Self-checks for train/: /usr/bin/python3 -m unittest discover -s train -p 'test_*.py'"""
import contextlib
import glob
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from detector import (build_detector, detector_section, detector_state, load_bin, make_config,  # noqa: E402
                      randomize_detector_, read_bin, save_bin, set_resolution)
from reference import load_image  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402
from shufflenet import (MEAN, STD, ShuffleNetV1, channel_shuffle, count_macs_params, load_checkpoint,  # noqa: E402
                        load_imagenet_state, megvii_to_ours, randomize_, stage_widths)
import export  # noqa: E402

torch.set_num_threads(2)
# The shared data beside the repository (../shared/data, as the Go tests find it); a test that
# needs them fails when they are missing, it is not skipped.
IMAGES = sorted(glob.glob(os.path.join(HERE, "..", "..", "shared", "data", "coco-val128", "val2017", "*.jpg")))
NO_IMAGES = "no COCO images in ../shared/data/coco-val128/val2017 (the data beside the repository)"


class TestCounts(unittest.TestCase):
    # megvii ShuffleNet-Series table: (groups, width) -> (MMACs, Mparams) at 224x224, 1000 classes
    MEGVII = {(3, 2.0): (524, 5.4), (3, 1.5): (292, 3.4), (3, 1.0): (138, 1.9), (3, 0.5): (38, 0.7),
              (8, 2.0): (522, 6.5), (8, 1.0): (138, 2.4), (8, 0.5): (40, 1.0)}

    def test_megvii_table(self):
        for (g, s), (mmacs, mparams) in self.MEGVII.items():
            macs, params = count_macs_params(ShuffleNetV1(groups=g, width=s))
            self.assertLess(abs(macs / 1e6 - mmacs) / mmacs, 0.02, (g, s, macs))
            self.assertLessEqual(abs(params / 1e6 - mparams), 0.05, (g, s, params))

    def test_paper_table1(self):
        for g, mflops in {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}.items():
            macs, _ = count_macs_params(ShuffleNetV1(groups=g, width=1.0))
            self.assertLess(abs(macs / 1e6 - mflops) / mflops, 0.02, (g, macs))

    def test_widths(self):
        self.assertEqual(stage_widths(3, 0.5), (120, 240, 480))
        self.assertEqual(stage_widths(3, 1.5), (360, 720, 1440))
        self.assertEqual(stage_widths(3, 2.0), (480, 960, 1920))
        self.assertEqual(stage_widths(8, 0.5), (192, 384, 768))
        self.assertEqual(stage_widths(8, 2.0), (768, 1536, 3072))
        self.assertEqual(stage_widths(2, 0.5), (104, 200, 400))  # 100 is a tie between 96 and 104
        for g in (1, 2, 3, 4, 8):
            for s in (0.25, 0.5, 1.0, 1.5, 2.0):
                for w in stage_widths(g, s):
                    self.assertEqual(w % (4 * g), 0)


class TestShuffle(unittest.TestCase):
    def test_orders_are_inverse(self):
        for g, c in ((2, 8), (3, 12), (4, 24), (8, 32), (3, 60)):
            x = torch.arange(c, dtype=torch.float32).view(1, c, 1, 1)
            off = channel_shuffle(x, g, "official")
            pap = channel_shuffle(x, g, "paper")
            self.assertTrue(torch.equal(channel_shuffle(off, g, "paper"), x))
            self.assertTrue(torch.equal(channel_shuffle(pap, g, "official"), x))
            if c != g * g:
                self.assertFalse(torch.equal(off, pap))
            # MODEL_FORMAT.md: output channel i*(C/g) + j takes input channel j*g + i
            for i in range(g):
                for j in range(c // g):
                    self.assertEqual(off[0, i * (c // g) + j, 0, 0].item(), j * g + i)

    def test_paper_order_changes_output(self):
        torch.manual_seed(0)
        a = randomize_(ShuffleNetV1(groups=3, width=0.25, num_classes=10), seed=0).eval()
        b = ShuffleNetV1(groups=3, width=0.25, num_classes=10, shuffle_order="paper").eval()
        b.load_state_dict(a.state_dict())
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            ya, yb = a(x), b(x)
        # Both finite (allclose is False for a NaN too), and apart by more than rounding.
        self.assertTrue(bool(torch.isfinite(ya).all()) and bool(torch.isfinite(yb).all()))
        self.assertTrue((ya - yb).abs().max().item() > 1e-3)


class TestModel(unittest.TestCase):
    def test_names_and_shapes(self):
        m = ShuffleNetV1(groups=3, width=1.0, se=True)
        sd = m.state_dict()
        self.assertEqual(list(sd["first_conv.0.weight"].shape), [24, 3, 3, 3])
        self.assertEqual(list(sd["features.0.branch_main_1.0.weight"].shape), [60, 24, 1, 1])
        self.assertEqual(list(sd["features.0.branch_main_2.0.weight"].shape), [216, 20, 1, 1])
        self.assertEqual(list(sd["features.1.branch_main_1.0.weight"].shape), [60, 80, 1, 1])
        self.assertEqual(list(sd["features.1.branch_main_1.3.weight"].shape), [60, 1, 3, 3])
        self.assertEqual(list(sd["features.4.se.fc1.weight"].shape), [15, 240, 1, 1])
        self.assertEqual(list(sd["features.15.se.fc2.bias"].shape), [960])
        self.assertEqual(list(sd["classifier.0.weight"].shape), [1000, 960])
        self.assertNotIn("classifier.0.bias", sd)
        sh = ShuffleNetV1(groups=3, width=0.5, shallow=True, num_classes=0)
        self.assertEqual(len(sh.features), 8)
        self.assertIsNone(sh.classifier)
        self.assertEqual(sh.stage_ranges, [(0, 2), (2, 6), (6, 8)])

    def test_random_activations_sane(self):
        torch.manual_seed(1)
        x = torch.randn(1, 3, 224, 224)
        for kw in ({"groups": 3, "width": 2.0}, {"groups": 8, "width": 0.5}, {"groups": 1, "width": 1.0},
                   {"groups": 3, "width": 1.0, "se": True}, {"groups": 4, "width": 0.25, "shallow": True}):
            m = randomize_(ShuffleNetV1(**kw), seed=0).eval()
            with torch.no_grad():
                f = m.forward_features(x)
            for k in ("stage2", "stage3", "stage4"):
                sd = f[k].std().item()
                self.assertTrue(0.1 < sd < 10, (kw, k, sd))

    def test_any_input_size(self):
        m = ShuffleNetV1(groups=2, width=0.5, num_classes=7).eval()
        with torch.no_grad():
            self.assertEqual(list(m(torch.randn(2, 3, 97, 131)).shape), [2, 7])

    def test_load_checkpoint_module_prefix(self):
        # megvii's layout ({"state_dict": ...}, `module.` keys) loads by name, converted to our input
        # convention; one of our own training checkpoints (last.pt) is taken as it is.
        src = randomize_(ShuffleNetV1(groups=8, width=0.5), seed=3)
        want = megvii_to_ours(src.state_dict())
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "ck.pth.tar")
            torch.save({"state_dict": {"module." + k: v for k, v in src.state_dict().items()}}, p)
            dst = load_checkpoint(ShuffleNetV1(groups=8, width=0.5), p)
            own = os.path.join(d, "last.pt")
            torch.save({"model": src.state_dict(), "optimizer": {}, "iteration": 5}, own)
            as_is = load_imagenet_state(own)
        for k, v in src.state_dict().items():
            self.assertTrue(torch.equal(want[k], dst.state_dict()[k]), k)
            self.assertTrue(torch.equal(v, as_is[k]), k)
        self.assertFalse(torch.equal(want["first_conv.0.weight"], src.state_dict()["first_conv.0.weight"]))

    def test_megvii_input_convention(self):
        self.assertTrue(IMAGES, NO_IMAGES)
        # A random model treated as a megvii checkpoint (fed BGR pixels 0-255) against the same
        # state converted by megvii_to_ours and fed the same image as RGB, /255, ImageNet mean/std.
        # randomize_'s first convolution expects inputs of unit scale, so the "megvii" one is
        # divided by 255 * 0.226 and its BN statistics are set from this image's responses (as a
        # trained model's match its data): the activations stay in randomize_'s range.
        # Measured: interior outputs of first_conv agree to 6e-7 of their largest value (float32
        # rounding; the tolerance is 1e-5); the border (windows over the padding, here the first
        # row and column) differs by up to 70% of it, as megvii_to_ours says; the logits differ
        # by 0.2% (g3 0.5x) and 1.3% (g8 1.0x) of their norm through that border (tolerance 5%),
        # those of the unconverted state by 31-61%.
        im = Image.open(IMAGES[0]).convert("RGB").resize((224, 224), Image.BILINEAR)
        rgb = torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1)[None].float()  # 0-255
        bgr = rgb.flip(1)
        x = (rgb / 255 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        inner = F.conv2d(torch.ones(1, 1, 224, 224), torch.ones(1, 1, 3, 3), stride=2, padding=1) == 9
        for kw in ({"groups": 3, "width": 0.5}, {"groups": 8, "width": 1.0}):
            meg = randomize_(ShuffleNetV1(**kw), seed=7).eval()
            with torch.no_grad():
                meg.first_conv[0].weight.div_(255 * 0.226)
                y = F.conv2d(bgr, meg.first_conv[0].weight, stride=2, padding=1)
                meg.first_conv[1].running_mean.copy_(y.mean((0, 2, 3)))
                meg.first_conv[1].running_var.copy_(y.var((0, 2, 3)))
            ours = ShuffleNetV1(**kw).eval()
            ours.load_state_dict(megvii_to_ours(meg.state_dict()))
            raw = ShuffleNetV1(**kw).eval()
            raw.load_state_dict(meg.state_dict())
            with torch.no_grad():
                a, b = meg.first_conv(bgr), ours.first_conv(x)
                la, lb, lr = meg(bgr), ours(x), raw(x)
            m = inner.expand_as(a)
            scale = a.abs().max().item()
            err = (a - b).abs()[m].max().item()
            self.assertLessEqual(err, 1e-5 * scale, (kw, err, scale))
            self.assertGreater((a - b).abs()[~m].max().item(), 1e-2 * scale, kw)  # the border does differ
            rel = ((la - lb).norm() / la.norm()).item()
            self.assertLess(rel, 0.05, (kw, rel))
            self.assertEqual(la.argmax().item(), lb.argmax().item(), kw)
            self.assertGreater(((la - lr).norm() / la.norm()).item(), 0.2, kw)  # unconverted: far off


class TestBin(unittest.TestCase):
    def check_layout(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        (n,) = struct.unpack("<Q", raw[:8])
        self.assertEqual(n % 8, 0)
        header = json.loads(raw[8:8 + n])
        meta = header.pop("__metadata__")
        self.assertEqual(meta["format"], "shuffledet")
        cfg = json.loads(meta["config"])
        names = sorted(header)
        off = 0
        for k in names:  # sorted by name, contiguous
            info = header[k]
            self.assertEqual(info["dtype"], "F32")
            self.assertEqual(info["data_offsets"][0], off)
            size = 4
            for s in info["shape"]:
                size *= s
            off += size
            self.assertEqual(info["data_offsets"][1], off)
            self.assertNotIn("num_batches_tracked", k)
        self.assertEqual(8 + n + off, len(raw))
        return cfg, names

    def test_classifier_roundtrip(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.bin")
            export.main(["--out", p, "--random", "--seed", "4", "--groups", "3", "--width", "0.25",
                         "--se", "--num-classes", "10"])
            cfg, names = self.check_layout(p)
            self.assertEqual(cfg, {"version": 1, "detector": None, "backbone": {
                "groups": 3, "width": 0.25, "shallow": False, "se": True, "shuffle": True, "num_classes": 10}})
            m = load_bin(p)
        torch.manual_seed(4)
        ref = randomize_(ShuffleNetV1(cfg["backbone"]), seed=4).eval()
        x = torch.randn(1, 3, 96, 128)
        with torch.no_grad():
            a, b = ref.forward_features(x), m.forward_features(x)
        for k in a:
            self.assertTrue(torch.equal(a[k], b[k]), k)

    def test_export_checkpoint_conventions(self):
        # export.py --checkpoint: a megvii ImageNet state is converted (megvii_to_ours) for a
        # classifier and for a detector's trunk; a detector state dict (rpn.head. keys, .bin names)
        # is written as it is.
        src = randomize_(ShuffleNetV1(groups=3, width=0.25), seed=5)
        want = megvii_to_ours(src.state_dict())
        det_cfg = make_config({"groups": 3, "width": 0.25}, detector_section(300))
        det = randomize_detector_(build_detector(det_cfg), seed=5)
        arch = ["--groups", "3", "--width", "0.25"]
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "megvii.pth.tar")
            torch.save({"state_dict": {"module." + k: v for k, v in src.state_dict().items()}}, ck)
            dck = os.path.join(d, "det.pth")
            torch.save(detector_state(det), dck)
            cls, trunk, whole = (os.path.join(d, n) for n in ("cls.bin", "trunk.bin", "whole.bin"))
            export.main(["--out", cls, "--checkpoint", ck] + arch)
            export.main(["--out", trunk, "--checkpoint", ck, "--detector", "--res", "300"] + arch)
            export.main(["--out", whole, "--checkpoint", dck, "--detector", "--res", "300"] + arch)
            got = {n: read_bin(p)[0] for n, p in (("cls", cls), ("trunk", trunk), ("whole", whole))}
        for k in ("first_conv.0.weight", "first_conv.1.running_mean", "features.3.branch_main_1.0.weight"):
            self.assertTrue(torch.equal(got["cls"][k], want[k]), k)
            self.assertTrue(torch.equal(got["trunk"][k], want[k]), k)
            self.assertTrue(torch.equal(got["whole"][k], detector_state(det)[k]), k)
        self.assertTrue(torch.equal(got["cls"]["classifier.0.weight"], want["classifier.0.weight"]))

    def test_export_checkpoint_mismatches_are_named(self):
        # A classifier export of a checkpoint of another width of classifier, or of a detector's
        # checkpoint, says what to give instead of load_state_dict's list of every tensor.
        arch = ["--groups", "3", "--width", "0.25"]
        two = randomize_(ShuffleNetV1(groups=3, width=0.25, num_classes=2), seed=5)
        det = randomize_detector_(build_detector(make_config({"groups": 3, "width": 0.25}, detector_section(300))), seed=5)
        with tempfile.TemporaryDirectory() as d:
            ck, dck = os.path.join(d, "last.pt"), os.path.join(d, "det.pth")
            torch.save({"model": two.state_dict(), "iteration": 4}, ck)  # train_imagenet.py's OUT/last.pt
            torch.save(detector_state(det), dck)
            for path, want in ((ck, "its classifier has 2 outputs: --num-classes 2"), (dck, "a detector's checkpoint")):
                with self.assertRaises(SystemExit) as e:
                    export.main(["--out", os.path.join(d, "x.bin"), "--checkpoint", path] + arch)
                self.assertIn(want, str(e.exception))

    def test_checksum(self):
        """A damaged .bin (a weight's bit, a threshold's digit) and one without a checksum are
        refused by read_bin, as the Go loader refuses them; --restamp adds a missing checksum and
        copies a damaged file never."""
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.bin")
            export.main(["--out", p, "--random", "--detector", "--res", "300", "--width", "0.5",
                         "--num-det-classes", "2"])
            read_bin(p)
            with open(p, "rb") as f:
                good = f.read()
            (n,) = struct.unpack("<Q", good[:8])
            at = good.index(b'\\"nms_thresh\\": 0.5') + len(b'\\"nms_thresh\\": 0.')
            cases = {"a weight": bytearray(good), "a threshold": bytearray(good)}
            cases["a weight"][8 + n + (len(good) - 8 - n) // 2] ^= 0x80
            cases["a threshold"][at] = ord("4")
            for name, b in cases.items():
                q = os.path.join(d, "damaged.bin")
                with open(q, "wb") as f:
                    f.write(b)
                with self.assertRaisesRegex(ValueError, "damaged", msg=name):
                    read_bin(q)
                with self.assertRaisesRegex(SystemExit, "^--restamp %s: damaged" % re.escape(q), msg=name):
                    export.main(["--out", os.path.join(d, "copy.bin"), "--restamp", q])
                self.assertFalse(os.path.exists(os.path.join(d, "copy.bin")), name)
            old = os.path.join(d, "old.bin")
            with open(old, "wb") as f:
                f.write(good.replace(b'"crc32":', b'"crc3x":', 1))
            with self.assertRaisesRegex(ValueError, "no crc32"):
                read_bin(old)
            new = os.path.join(d, "new.bin")
            export.main(["--out", new, "--restamp", old])
            t0, c0 = read_bin(p)
            t1, c1 = read_bin(new)
            self.assertEqual(c0, c1)
            self.assertEqual(sorted(t0), sorted(t1))
            for k in t0:
                self.assertTrue(torch.equal(t0[k], t1[k]), k)

    def test_metadata_refused(self):
        """Metadata the Go loader refuses is refused by read_bin with a message naming the file, not
        an AttributeError or KeyError from inside it (a value that is not a string, no config)."""
        with tempfile.TemporaryDirectory() as d:
            for meta, want in (({"format": "shuffledet", "config": {"version": 1}, "crc32": "0"},
                                "__metadata__ is not a map of strings to strings"),
                               ({"format": "shuffledet", "crc32": "0"}, "__metadata__ has no config")):
                p = os.path.join(d, "m.bin")
                header = json.dumps({"__metadata__": meta, "w": {"dtype": "F32", "shape": [1],
                                                                 "data_offsets": [0, 4]}}).encode()
                with open(p, "wb") as f:
                    f.write(struct.pack("<Q", len(header)) + header + b"\0\0\0\0")
                with self.assertRaises(ValueError) as e:
                    read_bin(p)
                self.assertEqual(str(e.exception), "%s: %s" % (p, want))

    def test_safetensors_io(self):
        t = {"b": torch.randn(3, 5), "a": torch.arange(6, dtype=torch.float32).view(1, 2, 3),
             "s": torch.tensor(2.5)}
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "x.safetensors")
            write_safetensors(p, t, {"k": "v"})
            back, meta = read_safetensors(p)
        self.assertEqual(meta, {"k": "v"})
        for k in t:
            self.assertTrue(torch.equal(t[k], back[k]), k)


class TestReferenceImage(unittest.TestCase):
    def test_read_as_the_engine_reads_it(self):
        # reference.py (check_go.py's torchvision side) reads an image as detect does and training
        # does (images.open_as_go_reads): a PNG's EXIF orientation is not applied, and a 16-bit
        # grayscale PNG is read by its high bytes. It turned the PNG (PIL's exif_transpose) and
        # read the 16-bit one all white (convert("RGB") clips), so the two sides compared two
        # different pictures.
        with tempfile.TemporaryDirectory() as d:
            rgb = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3) * 3
            turned = os.path.join(d, "turned.png")
            exif = Image.Exif()
            exif[0x0112] = 6  # rotate 90 degrees clockwise to show
            Image.fromarray(rgb).save(turned, exif=exif)
            with Image.open(turned) as im:
                self.assertEqual(im.getexif().get(0x0112), 6)  # (the test's file holds it)
            self.assertTrue(torch.equal(load_image(turned), torch.from_numpy(rgb).permute(2, 0, 1).float() / 255))
            gray = os.path.join(d, "g16.png")
            values = np.arange(24, dtype=np.uint16).reshape(4, 6) * 2731
            Image.fromarray(values).save(gray)
            want = torch.from_numpy((values >> 8).astype(np.uint8)).float().div(255).expand(3, 4, 6)
            self.assertTrue(torch.equal(load_image(gray), want))


class TestDetector(unittest.TestCase):
    def test_roundtrip_and_real_image(self):
        self.assertTrue(IMAGES, NO_IMAGES)
        cfg = make_config({"groups": 3, "width": 0.5}, detector_section(300))
        torch.manual_seed(0)
        model = randomize_detector_(build_detector(cfg), seed=0).eval()
        img = load_image(IMAGES[0])
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "det.bin")
            save_bin(model, p, cfg)
            got_cfg, names = TestBin.check_layout(self, p)
            loaded = load_bin(p)
        self.assertEqual(got_cfg, cfg)
        self.assertIn("features.15.branch_main_2.1.running_var", names)
        self.assertIn("rpn.head.conv.weight", names)
        self.assertIn("roi_heads.box_predictor.cls_score.bias", names)
        self.assertFalse(any(n.startswith(("backbone.", "roi_heads.box_head.")) for n in names))
        self.assertEqual(len(loaded.roi_heads.box_predictor.cls_score.bias), 81)
        for res in (300, 600):
            set_resolution(model, res)
            set_resolution(loaded, res)
            with torch.no_grad():
                a = model([img])[0]
                b = loaded([img])[0]
            for k in ("boxes", "scores", "labels"):
                self.assertTrue(torch.equal(a[k], b[k]), (res, k))
            self.assertGreater(len(a["boxes"]), 0, res)
            self.assertGreater(len(set(a["labels"].tolist())), 1, res)
            h, w = img.shape[1:]
            self.assertLessEqual(a["boxes"][:, 2].max().item(), w)
            self.assertLessEqual(a["boxes"][:, 3].max().item(), h)

    def test_reference_cli_dump(self):
        self.assertTrue(IMAGES, NO_IMAGES)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "det.bin")
            dump, dump2 = os.path.join(d, "dump.safetensors"), os.path.join(d, "dump2.safetensors")
            export.main(["--out", p, "--random", "--seed", "2", "--groups", "8", "--width", "0.25",
                         "--shallow", "--detector", "--res", "300", "--num-det-classes", "5"])
            out = subprocess.run([sys.executable, os.path.join(HERE, "reference.py"), "--model", p,
                                  "--dump", dump, "--dump", dump2, IMAGES[1], IMAGES[2]],
                                 check=True, capture_output=True, text=True).stdout
            t, meta = read_safetensors(dump)
            t2, meta2 = read_safetensors(dump2)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([x["source"] for x in lines], IMAGES[1:3])
        # the k-th --dump is the k-th image's
        self.assertEqual([meta["source"], meta2["source"]], IMAGES[1:3])
        self.assertEqual(len(lines[1]["detections"]), t2["scores"].shape[0])
        self.assertNotEqual(t["image"].shape, t2["image"].shape)
        first = lines[0]
        self.assertEqual(len(first["detections"]), t["scores"].shape[0])
        ids = {1, 2, 3, 4, 5}
        for det in first["detections"]:
            self.assertIn(det["category_id"], ids)
        A = 15
        fh, fw = t["features"].shape[-2:]
        self.assertEqual(list(t["rpn_objectness"].shape), [1, A, fh, fw])
        self.assertEqual(list(t["rpn_deltas"].shape), [1, 4 * A, fh, fw])
        self.assertEqual(list(t["anchors"].shape), [fh * fw * A, 4])
        P = t["proposals"].shape[0]
        self.assertEqual(list(t["class_logits"].shape), [P, 6])
        self.assertEqual(list(t["box_regression"].shape), [P, 24])
        self.assertEqual(t["box_features"].shape[0], P)
        self.assertEqual(t["image"].shape[-1] % 32, 0)
        self.assertEqual(t["image"].shape[-2] % 32, 0)
        # torchvision 0.14: scale = min(300 / short, 500 / long) computed in FLOAT32, then
        # size = floor(float64(dim) * float64(scale)): 299, not 300, for this 586x640 image.
        w, h = first["width"], first["height"]
        f32 = np.float32
        scale = float(min(f32(300) / f32(min(w, h)), f32(500) / f32(max(w, h))))
        self.assertEqual(t["image_size"].tolist(), [float(int(h * scale)), float(int(w * scale))])


class ToolMistakes(unittest.TestCase):
    def test_unreadable_inputs_are_named(self):
        # reference.py and features.py given a --model or an image that is not there or not one,
        # or a --size under the trunk's stride: an error naming the flag or the file, not a
        # FileNotFoundError, UnidentifiedImageError or ValueError traceback (nor one from inside
        # torch's convolution for --size 0).
        import features
        import reference
        self.assertTrue(IMAGES, NO_IMAGES)
        with tempfile.TemporaryDirectory() as d:
            det, trunk = os.path.join(d, "det.bin"), os.path.join(d, "trunk.bin")
            export.main(["--out", det, "--random", "--groups", "8", "--width", "0.25", "--shallow", "--detector",
                         "--res", "300", "--num-det-classes", "2"])
            export.main(["--out", trunk, "--random", "--groups", "8", "--width", "0.25", "--shallow"])
            absent, text, out = os.path.join(d, "absent.bin"), os.path.join(d, "notes.txt"), os.path.join(d, "f.st")
            with open(text, "w") as f:
                f.write("# not a model, not an image")
            for main, args, want in [
                (reference.main, ["--model", absent, IMAGES[0]],
                 "--model %s: cannot be read as a .bin model file: No such file or directory" % absent),
                (reference.main, ["--model", text, IMAGES[0]], "--model %s: cannot be read as a .bin model file: " % text),
                (reference.main, ["--model", det, os.path.join(d, "absent.jpg")],
                 "%s: cannot read the image: No such file or directory" % os.path.join(d, "absent.jpg")),
                (reference.main, ["--model", det, text], "%s: cannot read the image: cannot identify image file" % text),
                (features.main, ["--model", absent, "--out", out, "--random-input"],
                 "--model %s: cannot be read as a .bin model file: No such file or directory" % absent),
                (features.main, ["--model", trunk, "--out", out, "--image", text, "--size", "64"],
                 "%s: cannot read the image: cannot identify image file" % text),
                (features.main, ["--model", trunk, "--out", out, "--random-input", "--size", "0"],
                 "--size 0: want N or HxW, whole numbers of at least 32"),
                (features.main, ["--model", trunk, "--out", out, "--random-input", "--size", "64xabc"],
                 "--size 64xabc: want N or HxW, whole numbers of at least 32"),
            ]:
                with self.assertRaises(SystemExit) as e:
                    main(args)
                self.assertIn(want, str(e.exception))

    def test_flags_out_of_range_are_named(self):
        # reference.py's and features.py's counts and thresholds out of the Go engine's range are
        # refused by the parser, naming the flag, before the model is read: --res 0 was a ValueError
        # traceback, --threads 0 torch's RuntimeError, a --seed over 2^64 an overflow, and
        # --score-thresh 2 or --nms-thresh nan (which detect refuses) gave no detections without a word.
        import features
        import reference
        for main, args, flag in [
            (reference.main, ["--res", "0"], "--res"),
            (reference.main, ["--res", "3000"], "--res"),
            (reference.main, ["--score-thresh", "2"], "--score-thresh"),
            (reference.main, ["--nms-thresh", "nan"], "--nms-thresh"),
            (reference.main, ["--threads", "0"], "--threads"),
            (features.main, ["--random-input", "--out", "f.st", "--threads", "0"], "--threads"),
            (features.main, ["--random-input", "--out", "f.st", "--seed", "99999999999999999999"], "--seed"),
        ]:
            err = io.StringIO()
            with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(err):
                main(["--model", "absent.bin"] + args + ([] if main is features.main else ["absent.jpg"]))
            self.assertEqual(e.exception.code, 2, (args, str(e.exception)))
            self.assertIn("argument %s: %s: want" % (flag, args[-1]), err.getvalue())
        # more --dump files than images: refused before the model is read
        err = io.StringIO()
        with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(err):
            reference.main(["--model", "absent.bin", "--dump", "a.st", "--dump", "b.st", "absent.jpg"])
        self.assertEqual(e.exception.code, 2, str(e.exception))
        self.assertIn("2 --dump files for 1 image (the k-th --dump is the k-th image's)", err.getvalue())


if __name__ == "__main__":
    unittest.main()
