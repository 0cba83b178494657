#!/usr/bin/env bash
# Train zoo models on a lent GPU machine (the `device` tool): it starts bare, reaches no network and runs
# one command for at most 10 minutes. Longer runs resume across commands.
#
#   1. Here, once: MNIST's raw files, gzipped, into a folder git ignores (the device gets the checkout only):
#        echo /.gpu/ >> .git/info/exclude; mkdir -p .gpu/data
#        for f in "$MEMLAB_DATA"/MNIST/raw/*-ubyte; do gzip -c "$f" > .gpu/data/"$(basename "$f")".gz; done
#   2. On the device, carrying .gpu:   bash scripts/device_train.sh MINUTES ID [ID ...]
#      Every ID trains at once (scripts/train_zoo.sh), saving and stopping after MINUTES.
#   3. What finished comes back in $OUT as ID.pt + ID.json: copy both into memlab/weights/.
#      What did not comes back as ID.checkpoint.pt. Run step 2 again at once (a warm machine keeps runs/),
#      or, on a fresh one, first put that file at .gpu/resume/ID.checkpoint.pt here.
# The card records the machine, the wall time and the commit ($MEMLAB_GIT_COMMIT: the device's copy of the
# checkout has no git history, so pass `git rev-parse HEAD` from here).
set -uo pipefail
minutes=$1; shift
source scripts/device_data.sh
mkdir -p runs
for id in "$@"; do
  if [ ! -f "runs/$id/checkpoint.pt" ] && [ -f ".gpu/resume/$id.checkpoint.pt" ]; then
    mkdir -p "runs/$id" && cp ".gpu/resume/$id.checkpoint.pt" "runs/$id/checkpoint.pt"
  fi
done
start=$(date +%s)
bash scripts/train_zoo.sh runs "$minutes" "$@"
echo "wall: $(( $(date +%s) - start )) s"
for id in "$@"; do
  card=$("$PYTHON" -c "import json,sys; c=json.load(open('runs/$id/$id.json')); print(c['steps'], c['wall_time_s'])")
  echo "$id: steps, wall_time_s = $card"
  if "$PYTHON" -c "import json; from memlab.models.registry import MODELS; c=json.load(open('runs/$id/$id.json'));
raise SystemExit(c['steps'] != MODELS['$id'].train.steps)"; then
    cp "runs/$id/$id.pt" "runs/$id/$id.json" "${OUT:-.}/"
  else
    cp "runs/$id/checkpoint.pt" "${OUT:-.}/$id.checkpoint.pt"
  fi
done
