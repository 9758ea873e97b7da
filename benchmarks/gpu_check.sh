#!/usr/bin/env bash
# Issue 20's GPU checks, in one go, on a machine with an NVIDIA GPU (CUDA 12 driver):
#   1. CuPy (the [cuda] extra) when it is missing; PyTorch CUDA is used where installed
#   2. the GPU test suite: tests/test_cuda.py on CuPy, including the parity and gradcheck suites rerun on cuda
#   3. python -m benchmarks --device cuda: MLP step, conv2d 32x3x32x32->64 (both conv paths), LeNet step,
#      4096^3 matmul beside CuPy's own rate, each against PyTorch CUDA (writes benchmarks/results-cuda.md)
#   4. Fashion-MNIST, 5 epochs of the course MLP and CNN on the GPU: test accuracy beside PyTorch CUDA's
# Usage: benchmarks/gpu_check.sh [fashion-mnist folder]   (SEEDS="0 1 2" by default; the log is out/gpu_check.log)
set -uo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/datasets/fashion-mnist}"
SEEDS="${SEEDS:-0 1 2}"
mkdir -p out && exec > >(tee out/gpu_check.log) 2>&1
status=0
step() { echo; echo "=== $*"; "$@" || { status=1; echo "=== FAILED: $*"; }; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "nvidia-smi not found"
python -c "import cupy" 2>/dev/null || pip install -q "cupy-cuda12x>=13" || echo "cupy-cuda12x could not be installed"
python -c "import torch; print('torch', torch.__version__, 'CUDA' if torch.cuda.is_available() else 'without CUDA:',
           '' if torch.cuda.is_available() else 'install a CUDA build (pip install torch==2.13.0) for the torch rows')"
step python -m pytest -q -rs -p no:cacheprovider tests/test_cuda.py
step python -m benchmarks --device cuda
for model in mlp cnn; do
    # shellcheck disable=SC2086
    step python -m benchmarks.bench_train --device cuda --model "$model" --epochs 5 --seeds $SEEDS --data-dir "$DATA"
done
echo; echo "=== gpu_check: $([ $status = 0 ] && echo 'all steps passed' || echo 'some steps FAILED') (log: out/gpu_check.log)"
exit $status
