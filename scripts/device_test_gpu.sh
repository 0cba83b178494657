#!/usr/bin/env bash
# The GPU tests (tests/test_gpu.py: sampling and training on CUDA with the CPU generators every caller
# passes), on a lent GPU machine (the `device` tool), carrying .gpu (MNIST, as scripts/device_train.sh says).
set -uo pipefail
export MEMLAB_DATA=/tmp/memlab-data MEMLAB_OFFLINE=1 PYTHONUNBUFFERED=1
mkdir -p "$MEMLAB_DATA/MNIST/raw"
for f in .gpu/data/*.gz; do gunzip -c "$f" > "$MEMLAB_DATA/MNIST/raw/$(basename "$f" .gz)"; done
nvidia-smi -L; ${PYTHON:-python3} -c 'import torch; print("torch", torch.__version__)'
${PYTHON:-python3} -m pytest -q -p no:cacheprovider tests/test_gpu.py "$@"
