#!/usr/bin/env bash
# Train every registry model at once with `memlab train`, each in its own process (one GPU is
# shared; on a CPU, expect days). Re-running resumes each model from OUT/ID/checkpoint.pt.
#   scripts/train_zoo.sh [OUT=runs] [MAX_MINUTES] [ID ...]
set -uo pipefail
out=${1:-runs}; minutes=${2:-}; shift $(( $# < 2 ? $# : 2 ))
ids=${*:-$(${PYTHON:-python} -c 'from memlab.models.registry import MODELS; print(*MODELS)')}
mkdir -p "$out"
for id in $ids; do
  resume=(); [ -f "$out/$id/checkpoint.pt" ] && resume=(--resume)
  OMP_NUM_THREADS=1 ${PYTHON:-python} -m memlab train "$id" --out "$out" ${minutes:+--max-minutes "$minutes"} \
    "${resume[@]}" > "$out/$id.log" 2>&1 &
done
wait
for id in $ids; do echo "$id: $(tail -c 300 "$out/$id.log" | tr '\r' '\n' | tail -n 1)"; done
