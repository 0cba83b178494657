#!/usr/bin/env bash
# The GPU tests (tests/fast/test_gpu.py: sampling and training on CUDA with the CPU generators every caller
# passes), on a lent GPU machine (the `device` tool), carrying .gpu (MNIST, as scripts/device_train.sh says).
set -uo pipefail
source scripts/device_data.sh
"$PYTHON" -m pytest -q -p no:cacheprovider tests/fast/test_gpu.py "$@"
