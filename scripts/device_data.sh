# Sourced by the device_*.sh scripts: MNIST from the carried .gpu/data/*.gz (see device_train.sh, step 1)
# into $MEMLAB_DATA on the bare GPU machine, and what that machine runs.
export MEMLAB_DATA=/tmp/memlab-data MEMLAB_OFFLINE=1 PYTHONUNBUFFERED=1 PYTHON=${PYTHON:-python3}
mkdir -p "$MEMLAB_DATA/MNIST/raw"
for f in .gpu/data/*.gz; do gunzip -c "$f" > "$MEMLAB_DATA/MNIST/raw/$(basename "$f" .gz)"; done
nvidia-smi -L; "$PYTHON" -c 'import torch; print("torch", torch.__version__)'
