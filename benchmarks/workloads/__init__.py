"""The benchmark workloads, by the name ``--only`` takes; each maps a Context to a list of Tables."""
from benchmarks.workloads.adam import adam_step
from benchmarks.workloads.dense import conv2d, matmul
from benchmarks.workloads.distributed import distributed
from benchmarks.workloads.engine import per_op, scalar_graph
from benchmarks.workloads.epoch import fashion_mnist_epoch
from benchmarks.workloads.memory import training_memory
from benchmarks.workloads.startup import cold_warm_start
from benchmarks.workloads.training import MODELS, training_workload
from benchmarks.workloads.transformer import transformer_layer

WORKLOADS = {
    "per-op": per_op,
    "scalar": scalar_graph,
    "matmul": matmul,
    "conv2d": conv2d,
    **{model.workload: training_workload(model) for model in MODELS},
    "transformer": transformer_layer,
    "adam": adam_step,
    "fashion-mnist": fashion_mnist_epoch,
    "memory": training_memory,
    "startup": cold_warm_start,
    "distributed": distributed,
}
