#!/usr/bin/env bash
# A few minutes on one lent GPU, used whole: several warm restarts of the demo models, run side by
# side on the one GPU (one run's Python and per-image box sampling launch small kernels one at a
# time; how much one run alone would fill it was not measured), each
# decaying its learning rate over the same wall-clock budget (--time-budget), then the final
# weight-averaged model of each exported as a .bin for evaluation here with Go cocoeval.
#
#   train/gpu_burst.sh DATA INIT_DIR OUT_DIR SECONDS RUNS
#
# RUNS is a file of runs, one a line, NAME|its train_detector.py flags, @INIT@ standing for
# INIT_DIR ('#' starts a comment line): train/gpu_burst1.runs and gpu_burst2.runs are the first
# lease's two bursts models/README.md records, gpu_burst3.runs and gpu_burst4.runs the second's. DATA holds coco128/, coco-extra/ and coco-tiny/ as in
# ../shared/data (their training images are enough: train/copy_dataset.py copies them into an
# ignored folder of the repository, which a lent machine's call carries); INIT_DIR the models the
# runs start from.
# BURST_EXTRA adds flags to every run (a CPU try of this script: BURST_EXTRA="--batch 2").
# OUT_DIR receives NAME.bin and NAME-log.jsonl per run and burst.log. Each run is first
# smoke-tested for two iterations, so a broken environment costs seconds, not the budget.
set -euo pipefail
if [ $# -ne 5 ]; then
	echo "usage: $0 DATA INIT_DIR OUT_DIR SECONDS RUNS" >&2
	exit 2
fi
# The paths as given, before the cd below.
data=$(realpath -m "$1") init=$(realpath -m "$2") out=$(realpath -m "$3") seconds=$4 runs_file=$(realpath -m "$5")
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
runs=()
while IFS= read -r line; do
	[ -n "$line" ] && [ "${line#\#}" = "$line" ] && runs+=("${line//@INIT@/$init}")
done <"$runs_file"
if [ ${#runs[@]} -eq 0 ]; then
	echo "$runs_file: no runs" >&2
	exit 2
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
