#!/usr/bin/env bash
# A few minutes on one lent GPU, used whole: several warm restarts of the demo models, run side by
# side on the one GPU (their Python and data loading keep a single run from filling it), each
# decaying its learning rate over the same wall-clock budget (--time-budget), then the final
# weight-averaged model of each exported as a .bin for evaluation here with Go cocoeval.
#
#   train/gpu_burst.sh DATA INIT_DIR OUT_DIR SECONDS
#
# DATA holds coco128/, coco-extra/ and coco-tiny/ as in ../shared/data (their training images are
# enough); INIT_DIR holds the starting models: 1x.bin (the 1x line's best) and 0.5x.bin (the demo
# model). BURST_EXTRA adds flags to every run (a CPU try of this script: BURST_EXTRA="--batch 2").
# OUT_DIR receives NAME.bin and NAME-log.jsonl per run and burst.log. Each run is first
# smoke-tested for two iterations, so a broken environment costs seconds, not the budget.
# models/README.md records what the burst on an H200 produced.
set -euo pipefail
if [ $# -ne 4 ]; then
	echo "usage: $0 DATA INIT_DIR OUT_DIR SECONDS" >&2
	exit 2
fi
data=$1 init=$2 out=$3 seconds=$4
py=${PYTHON:-python3}
work=${BURST_WORK:-/tmp/burst}
cd "$(dirname "$0")/.."
mkdir -p "$out" "$work"

common=(--classes person,car
	--data "$data/coco128/train2017:$data/coco128/annotations/instances_train2017.json"
	--data "$data/coco-extra/images:$data/coco-extra/instances_train.json"
	--data "$data/coco-tiny/images:$data/coco-tiny/instances_train.json"
	--optimizer adamw --wd 1e-4 --clip 10 --crop 0.3 --mosaic 0.5 --copy-paste 0.5 --box-batch 64
	--threads 1 --eval-every 0 --ckpt-every 1000000 --log-every 10)
# name, then that run's own flags; BURST_RUNS names a file of such lines instead (@INIT@ stands for
# INIT_DIR), as for the second burst (train/gpu_burst2.runs)
runs=(
	"1x-b32|--config configs/presets/shufflenet-g3-1.0x-300.yaml --init $init/1x.bin --batch 32 --workers 4 --lr 3e-3 --warmup 100 --ema 0.998 --seed 300"
	"1x-b64|--config configs/presets/shufflenet-g3-1.0x-300.yaml --init $init/1x.bin --batch 64 --workers 6 --lr 4e-3 --warmup 50 --ema 0.996 --seed 301"
	"0.5x-b32|--config configs/presets/shufflenet-g3-0.5x-300.yaml --init $init/0.5x.bin --batch 32 --workers 4 --lr 2e-3 --warmup 100 --ema 0.998 --seed 302"
)
if [ -n "${BURST_RUNS:-}" ]; then
	runs=()
	while IFS= read -r line; do
		[ -n "$line" ] && [ "${line#\#}" = "$line" ] && runs+=("${line//@INIT@/$init}")
	done <"$BURST_RUNS"
fi

exec > >(tee -a "$out/burst.log") 2>&1
"$py" -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'

# The smoke tests run side by side too, with the runs' data-loading workers. Each run starts
# afresh (a --time-budget run does not resume).
smoke=()
for r in "${runs[@]}"; do
	name=${r%%|*}
	rm -rf "${work:?}/smoke-$name" "${work:?}/$name"
	# shellcheck disable=SC2086
	"$py" train/train_detector.py "${common[@]}" ${r#*|} ${BURST_EXTRA:-} --iters 2 --warmup 1 \
		--out "$work/smoke-$name" >"$work/smoke-$name.log" 2>&1 &
	smoke+=($!)
done
for i in "${!smoke[@]}"; do
	name=${runs[$i]%%|*}
	if ! wait "${smoke[$i]}"; then
		echo "smoke test of $name failed:"
		tail -30 "$work/smoke-$name.log"
		exit 1
	fi
	echo "smoke test of $name: ok"
done

# A stop reaches every run once: Ctrl-C from the terminal's process group (this script ignores
# it and waits), a TERM to this script passed on. Each run ends its iteration and exports its
# model, and the copies below still happen. (A second signal would abort a run unexported.)
pids=()
trap '' INT
trap 'kill -TERM "${pids[@]}" 2>/dev/null || true' TERM
for r in "${runs[@]}"; do
	name=${r%%|*}
	# shellcheck disable=SC2086
	"$py" train/train_detector.py "${common[@]}" ${r#*|} ${BURST_EXTRA:-} --iters 1000000 --time-budget "$seconds" \
		--out "$work/$name" >"$work/$name.out" 2>&1 &
	pids+=($!)
done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv -l 60 2>/dev/null &
smi=$!
status=0
for i in "${!pids[@]}"; do
	rc=0
	wait "${pids[$i]}" || rc=$?
	while kill -0 "${pids[$i]}" 2>/dev/null; do # a signal interrupted the wait: the run is finishing
		rc=0
		wait "${pids[$i]}" || rc=$?
	done
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "run ${runs[$i]%%|*} failed:"
		tail -30 "$work/${runs[$i]%%|*}.out"
	fi
done
kill "$smi" 2>/dev/null || true
for r in "${runs[@]}"; do
	name=${r%%|*}
	last=$(ls "$work/$name"/iter*.bin 2>/dev/null | tail -1)
	[ -n "$last" ] && cp "$last" "$out/$name.bin"
	[ -f "$work/$name/log.jsonl" ] && cp "$work/$name/log.jsonl" "$out/$name-log.jsonl"
	tail -2 "$work/$name.out"
done
exit $status
