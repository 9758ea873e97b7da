"""Train on a PC, run on an edge board: the course CNN exported to ONNX and safetensors, run by onnxruntime.

Trains the course CNN briefly on the embedded MNIST digits, writes
``cnn.onnx`` (dynamic batch size) and ``cnn.safetensors`` into --out, then runs
the test digits through onnxruntime, as a Jetson-class board would, and
through autograd_core, printing both predictions and each runtime's latency
per image (batch 1, median of --repeats runs).

    python -m examples.deploy [--epochs 1] [--train-size N] [--images 10] [--repeats 50] [--out DIR]
"""
import argparse
import time

import numpy as np

import autograd_core as torch
import optim
from autograd_core import onnx as autograd_onnx
from examples._data import embedded_digits, first
from examples._plots import output_dir
from examples.models import CNN
from examples.train import fit


def median_latency_ms(run, images, repeats):
    """The median time of ``run(image)`` over ``repeats`` passes of the images one at a time, in ms per image."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for image in images:
            run(image)
        times.append((time.perf_counter() - start) / len(images))
    return 1000 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-size", type=int, default=None, help="train on the first N digits only")
    parser.add_argument("--images", type=int, default=10, help="test digits to predict and print")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out")
    args = parser.parse_args(argv)
    import onnxruntime

    torch.manual_seed(args.seed)
    data = embedded_digits((1, 28, 28))
    model = CNN()
    train = data.train if args.train_size is None else first(data.train, args.train_size)
    fit(model, train, data.test, optim.Adam(model.parameters(), lr=1e-3), args.epochs, 50, log=print)
    model.eval()
    out = output_dir(args.out)
    torch.save(model.state_dict(), out / "cnn.safetensors")
    images = torch.stack([data.test[i][0] for i in range(args.images)])
    labels = [int(data.test[i][1]) for i in range(args.images)]
    autograd_onnx.export(model, images[:1], out / "cnn.onnx", input_names=["image"], output_names=["logits"],
                         dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {out / 'cnn.onnx'} and {out / 'cnn.safetensors'}")

    session = onnxruntime.InferenceSession(str(out / "cnn.onnx"), providers=["CPUExecutionProvider"])
    batch = images.numpy()
    onnx_logits = session.run(None, {"image": batch})[0]
    with torch.no_grad():
        our_logits = model(images).numpy()
    print(f"labels:              {labels}")
    print(f"onnxruntime predicts {onnx_logits.argmax(1).tolist()}")
    print(f"autograd_core        {our_logits.argmax(1).tolist()}")
    print(f"largest logit difference: {np.abs(onnx_logits - our_logits).max():.2e}")

    singles = [batch[i:i + 1] for i in range(len(batch))]

    def ours(image):
        with torch.no_grad():
            return model(torch.from_numpy(image))
    latency = {"onnxruntime": median_latency_ms(lambda image: session.run(None, {"image": image}), singles,
                                                args.repeats),
               "autograd_core": median_latency_ms(ours, singles, args.repeats)}
    for name, ms in latency.items():
        print(f"{name:>14}: {ms:.3f} ms per image (batch 1)")
    return {"labels": labels, "onnx": onnx_logits, "ours": our_logits, "latency_ms": latency}


if __name__ == "__main__":
    main()
