"""Static ARM estimate of the arm64 kernels: llvm-mca on every innermost loop of every NEON routine.

  python3 bench/mca.py [--cpus cortex-a55,cortex-a57,apple-a13]

ARM timing cannot be measured on this x86 machine (qemu emulates, it does not time), so this
estimates it: every package with *_arm64.s files is built for arm64 (`GOARCH=arm64 go test -c`),
each assembly routine (its TEXT symbols) is disassembled with aarch64-linux-gnu-objdump, every
innermost loop (a backward branch with no other one inside it) is cut out, named after the Go
label at its head (via `go tool objdump`'s file:line; a routine without a loop, such as the stem's
block kernel, is taken whole, one call an iteration), and run through Debian's llvm-mca 14 for
each CPU model: cortex-a55 (in-order, most phones), cortex-a57 (llvm 14's model for cortex-a72,
a76 and neoverse-n1 as well) and apple-a13.

For each loop: cycles per iteration and floating-point operations per cycle (an FMLA on 4 lanes
is 8; FADD / FMUL / FMAX on 4 lanes 4; scalar FMADD 2), against two reference loops run through
the same model: 24 independent vector FMLAs, and the best GEMM tile known for NEON (8x12,
by-element FMLA, as ncnn and OpenBLAS use). The model's peak is the better of the two (llvm's
models disagree on which). Loops with no floating-point work are listed with their cycles only.
The speed issue's goal: every NEON loop within 90% of the best tile on all three models.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CPUS = ["cortex-a55", "cortex-a57", "apple-a13"]
BRANCH = re.compile(r"^(b|b\.\w+|cbz|cbnz|tbz|tbnz)$")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def asm_packages():
    """Directories (relative to ROOT) holding *_arm64.s files, with their TEXT symbols."""
    pkgs = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "**", "*_arm64.s"), recursive=True)):
        rel = os.path.relpath(path, ROOT)
        if rel.split(os.sep)[0] in ("bench", "out", "bin"):
            continue
        with open(path) as f:
            src = f.read()
        syms = re.findall(r"^TEXT\s+·(\w+)\(SB\)", src, re.M)
        pkgs.setdefault(os.path.dirname(rel), []).extend((s, rel) for s in syms)
    return pkgs


def labels(path):
    """(line number, label) for each label in a Go assembly file."""
    out = []
    with open(os.path.join(ROOT, path)) as f:
        for i, line in enumerate(f, 1):
            m = re.match(r"^(\w+):", line)
            if m:
                out.append((i, m.group(1)))
    return out


def label_at(lbls, line):
    name = None
    for ln, lb in lbls:
        if ln <= line:
            name = lb
    return name


def disassemble(binary, importpath, sym):
    """[(addr, mnemonic, operands)] of sym, in GNU syntax (what llvm-mca reads)."""
    full = "%s.%s.abi0" % (importpath, sym)
    text = run(["aarch64-linux-gnu-objdump", "-d", "--no-show-raw-insn", "--disassemble=" + full, binary])
    ins = []
    inside = False
    for line in text.splitlines():
        if line.endswith("<%s>:" % full):
            inside = True
            continue
        if not inside:
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if not m:
            if ins and not line.strip():
                break
            continue
        ops = re.sub(r"\s*//.*$", "", m.group(3)).strip()
        ins.append((int(m.group(1), 16), m.group(2), ops))
    if not ins:
        raise SystemExit("mca: %s not found in %s" % (full, binary))
    return ins


def go_lines(binary, importpath, sym):
    """address -> (file, line) from go tool objdump."""
    text = run(["go", "tool", "objdump", "-s", re.escape("%s.%s.abi0" % (importpath, sym)) + "$", binary])
    m = {}
    for line in text.splitlines():
        f = re.match(r"^\s*(\S+\.s):(\d+)\s+0x([0-9a-f]+)", line)
        if f:
            m[int(f.group(3), 16)] = (f.group(1), int(f.group(2)))
    return m


def innermost_loops(ins):
    """(start, end) index pairs of loops: a backward branch at end to start, none strictly inside."""
    index = {a: i for i, (a, _, _) in enumerate(ins)}
    loops = []
    for i, (a, mn, ops) in enumerate(ins):
        if BRANCH.match(mn):
            t = re.search(r"\b([0-9a-f]+) <", ops)
            if t and int(t.group(1), 16) <= a and int(t.group(1), 16) in index:
                loops.append((index[int(t.group(1), 16)], i))
    return [(s, e) for s, e in loops if not any(s <= s2 and e2 < e for s2, e2 in loops if (s2, e2) != (s, e))]


def flops(mn, ops):
    """Floating-point operations of one instruction (an FMA counts 2 per lane)."""
    lanes = 1
    m = re.match(r"v\d+\.(\d+)([sdh])", ops)
    if m:
        lanes = int(m.group(1))
    elif not re.match(r"[sdh]\d+", ops):
        return 0
    if mn in ("fmla", "fmls", "fmadd", "fmsub", "fnmadd", "fnmsub"):
        return 2 * lanes
    if mn in ("fadd", "fsub", "fmul", "fdiv", "fmax", "fmin", "fmaxnm", "fminnm", "fabd", "fneg", "fabs"):
        return lanes
    return 0


def loop_asm(body):
    """The loop as llvm-mca input: a label at the top, every branch back to it."""
    lines = [".Lloop:"]
    for _, mn, ops in body:
        if BRANCH.match(mn):
            ops = re.sub(r"[0-9a-f]+ <[^>]*>", ".Lloop", ops)
        lines.append("\t%s\t%s" % (mn, ops))
    return "\n".join(lines) + "\n"


def mca(asm, cpu, iterations=300):
    """Cycles per iteration of a loop under llvm-mca's model of cpu, with its throughput bound: (cycles,
    bound, unit), bound being llvm-mca's Block RThroughput (the fewest cycles an iteration can take
    on the busiest execution unit or at the dispatch width, whatever the dependencies) and unit
    the one that sets it ("dispatch" for the width)."""
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write(asm)
    try:
        out = run(["llvm-mca", "-mtriple=aarch64", "-mcpu=" + cpu, "-iterations=%d" % iterations, f.name])
    finally:
        os.unlink(f.name)
    total = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    bound = float(re.search(r"Block RThroughput:\s+([\d.]+)", out).group(1))
    return total / iterations, bound, busiest_unit(out, bound)


def busiest_unit(out, bound):
    """The execution unit of llvm-mca's report whose pressure per iteration sets bound ("dispatch"
    when none does: the dispatch width sets it); a unit with several pipes ([5.0], [5.1]) counts
    their mean."""
    names = dict(re.findall(r"^\[([\d.]+)\]\s+- (\w+)$", out, re.M))
    table = out.split("Resource pressure per iteration:\n")[1].split("\n")
    pressure = {}
    for idx, val in zip(re.findall(r"\[([\d.]+)\]", table[0]), table[1].split()):
        unit = names[idx]
        pressure.setdefault(unit, []).append(0.0 if val == "-" else float(val))
    unit, cycles = max(((u, sum(v) / len(v)) for u, v in pressure.items()), key=lambda x: x[1])
    return unit if cycles >= 0.99 * bound else "dispatch"


def reference_loops():
    """The model peak (24 independent FMLAs) and the 8x12 by-element GEMM tile, as (name, asm, flops)."""
    peak = [".Lloop:"] + ["\tfmla\tv%d.4s, v30.4s, v31.4s" % i for i in range(24)] + ["\tsubs\tx2, x2, #1", "\tb.ne\t.Lloop"]
    tile = [".Lloop:", "\tld1\t{v0.4s, v1.4s}, [x0], #32", "\tld1\t{v2.4s, v3.4s, v4.4s}, [x1], #48"]
    acc = 8
    for a in (0, 1):
        for lane in range(4):
            for b in (2, 3, 4):
                tile.append("\tfmla\tv%d.4s, v%d.4s, v%d.s[%d]" % (acc, b, a, lane))
                acc += 1
    tile += ["\tsubs\tx2, x2, #1", "\tb.ne\t.Lloop"]
    return [("reference: 24 independent FMLA", "\n".join(peak) + "\n", 24 * 8),
            ("reference: best tile (8x12, by-element FMLA)", "\n".join(tile) + "\n", 24 * 8)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpus", default=",".join(CPUS))
    a = p.parse_args(argv)
    cpus = a.cpus.split(",")
    for tool in ("llvm-mca", "aarch64-linux-gnu-objdump", "go"):
        if not shutil.which(tool):
            raise SystemExit("mca: %s not found (scripts/setup installs llvm and binutils-aarch64-linux-gnu)" % tool)
    refs = {}
    print("llvm-mca (%s) static estimate of the arm64 kernels' inner loops; cycles/iteration and FLOP/cycle"
          % run(["llvm-mca", "--version"]).split("version")[1].split()[0])
    print("")
    print("| loop | instructions | FLOP / iteration | " + " | ".join("%s cycles/iter, FLOP/cycle (%% of peak, %% of best tile)" % c for c in cpus) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in cpus) + " |")
    for name, asm, fl in reference_loops():
        cells = []
        for cpu in cpus:
            cyc, _, _ = mca(asm, cpu)
            refs.setdefault(cpu, []).append(fl / cyc)
            cells.append("%.2f, %.1f" % (cyc, fl / cyc))
        print("| %s | %d | %d | %s |" % (name, asm.count("\n") - 1, fl, " | ".join(cells)))
    env = dict(os.environ, GOARCH="arm64", CGO_ENABLED="0")
    loops, limits = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for pkg, syms in asm_packages().items():
            binary = os.path.join(tmp, "pkg.test")
            run(["go", "test", "-c", "-o", binary, "./" + pkg], cwd=ROOT, env=env)
            if not os.path.exists(binary):
                raise SystemExit("mca: ./%s has no tests to link its assembly into a binary" % pkg)
            importpath = run(["go", "list", "./" + pkg], cwd=ROOT).strip()
            for sym, src in syms:
                ins = disassemble(binary, importpath, sym)
                where = go_lines(binary, importpath, sym)
                lbls = labels(src)
                bodies = [ins[s:e + 1] for s, e in innermost_loops(ins)]
                if not bodies:  # straight-line (one block of outputs a call): the whole call
                    bodies = [[i for i in ins if i[1] != "ret"]]
                for body in bodies:
                    fl = sum(flops(mn, ops) for _, mn, ops in body)
                    f, line = where.get(body[0][0], (src, 0))
                    name = "%s %s (%s:%d)" % (sym, label_at(lbls, line) or "whole call", os.path.basename(f), line)
                    cells, bounds = [], []
                    for cpu in cpus:
                        cyc, bound, unit = mca(loop_asm(body), cpu)
                        bounds.append((bound / cyc, unit))
                        if fl:
                            best = refs[cpu][1]
                            cells.append("%.2f, %.1f (%.0f%%, %.0f%%)" % (cyc, fl / cyc, 100 * fl / cyc / max(refs[cpu]), 100 * fl / cyc / best))
                            loops.append((fl / cyc >= 0.9 * best, bound / cyc >= 0.9, name, cpu))
                        else:
                            cells.append("%.2f" % cyc)
                    print("| %s | %d | %d | %s |" % (name, len(body), fl, " | ".join(cells)))
                    limits.append((name, bounds))
    met = [m for m in loops if m[0]]
    print("")
    print("Goal (every NEON loop within 90%% of the best tile on every model): %d of %d loop x model pairs meet it;"
          " of the %d that miss it, %d run at 90%% or more of their own throughput bound (below)."
          % (len(met), len(loops), len(loops) - len(met), sum(1 for m in loops if not m[0] and m[1])))
    print("")
    print("Each loop's modelled cycles against its throughput bound (llvm-mca's Block RThroughput: the fewest cycles"
          " an iteration takes on its busiest execution unit, named, or at the dispatch width, whatever the"
          " dependencies). Near 100%, the loop issues as fast as the instructions it has allow, and only fewer"
          " instructions on that unit make it faster; well below, dependencies or in-order issue stall it, and"
          " scheduling (more independent work in flight) is the lever.")
    print("")
    print("| loop | " + " | ".join("%s: bound / cycles, busiest unit" % c for c in cpus) + " |")
    print("| --- | " + " | ".join("---" for _ in cpus) + " |")
    for name, bounds in limits:
        print("| %s | %s |" % (name, " | ".join("%.0f%%, %s" % (100 * r, u) for r, u in bounds)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
