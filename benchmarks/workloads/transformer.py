"""One training step of a Transformer encoder layer (self-attention and feed-forward), autograd_core beside PyTorch.

Both run the same code through their ``nn``/``optim`` (the APIs are shared):
``nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, batch_first=True)``
in training mode (dropout 0.1), on a batch of 32 sequences of 64 tokens,
a mean-squared-error loss and an Adam step.
"""
import numpy as np

from benchmarks.peers import OURS
from benchmarks.workloads.base import Goal, Table, timed_rows

D_MODEL, HEADS, FEEDFORWARD, SEQUENCE, BATCH = 128, 4, 512, 64, 32


def encoder_layer_step(lib, inputs, targets):
    """forward, loss, backward and Adam step of one encoder layer in ``lib`` (autograd_core or torch)."""
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FEEDFORWARD, batch_first=True)
    optimizer = lib.optim.Adam(layer.parameters())
    x, y = lib.from_numpy(inputs), lib.from_numpy(targets)

    def step():
        optimizer.zero_grad()
        lib.nn.functional.mse_loss(layer(x), y).backward()
        optimizer.step()
    return step


def transformer_layer(ctx):
    rng = np.random.default_rng(0)
    inputs, targets = (rng.standard_normal((BATCH, SEQUENCE, D_MODEL), dtype=np.float32) for _ in range(2))
    rows = timed_rows(ctx, {OURS: encoder_layer_step, "torch": encoder_layer_step}, repeats=ctx.pick(20, 2),
                      warmup=ctx.pick(3, 1), args=(inputs, targets))
    title = (f"training step: TransformerEncoderLayer(d_model {D_MODEL}, {HEADS} heads, feed-forward {FEEDFORWARD}, "
             f"dropout 0.1), seq {SEQUENCE}, batch {BATCH}, MSE, Adam")
    return [Table("transformer", title, "ms", rows, Goal(1.0), label="transformer layer")]
