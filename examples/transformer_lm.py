"""A character-level Transformer language model learns to write like the opening of Shakespeare's Coriolanus.

The text (public domain, examples/data/coriolanus.txt) is split 90/10 into
training and validation parts. Each step draws --batch-size windows of
--context characters; a decoder-only Transformer (token and learnt position
embeddings, pre-norm nn.TransformerEncoder layers under a causal mask, a linear
head) predicts every next character, trained with cross-entropy and AdamW.
Each epoch is --steps steps; the loss curves are plotted and a sample is printed.

    python -m examples.transformer_lm [--epochs 10] [--steps 40] [--context 64] [--d-model 64] [--heads 4]
                                      [--layers 2] [--out DIR]
"""
import argparse
from pathlib import Path

import numpy as np

import autograd_core as torch
import nn
import nn.functional as F
import optim
from examples._plots import output_dir, save_curves

TEXT = Path(__file__).resolve().parent / "data" / "coriolanus.txt"


class CharTransformer(nn.Module):
    """Next-character logits for every position of a (B, T) batch of character indices, T <= ``context``."""

    def __init__(self, vocabulary_size, context, d_model, heads, layers, dropout):
        super().__init__()
        self.token = nn.Embedding(vocabulary_size, d_model)
        self.position = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocabulary_size)
        self.register_buffer("causal_mask", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, indices):
        length = indices.shape[1]
        x = self.token(indices) + self.position(torch.arange(length))
        x = self.blocks(x, mask=self.causal_mask[:length, :length], is_causal=True)
        return self.head(x)


class CharText:
    """The text as character indices, with random (input, next-character target) windows of it."""

    def __init__(self, text):
        self.vocabulary = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.vocabulary)}
        self.ids = np.array([self.index[c] for c in text], dtype=np.int64)

    def encode(self, text):
        return [self.index[c] for c in text]

    def decode(self, ids):
        return "".join(self.vocabulary[i] for i in ids)

    def windows(self, ids, rng, batch_size, context):
        starts = rng.integers(0, len(ids) - context - 1, batch_size)
        rows = np.stack([ids[s:s + context + 1] for s in starts])
        return torch.from_numpy(rows[:, :-1]), torch.from_numpy(rows[:, 1:])


def next_character_loss(model, inputs, targets):
    logits = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def sample(model, text, prompt, length, context, rng, temperature=0.8):
    """``length`` characters drawn one at a time after ``prompt``, each from the model's softened distribution."""
    model.eval()
    ids = text.encode(prompt)
    with torch.no_grad():
        for _ in range(length):
            window = torch.tensor([ids[-context:]])
            logits = model(window)[0, -1].numpy() / temperature
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return text.decode(ids[len(prompt):])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=40, help="training steps per epoch")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--context", type=int, default=64, help="characters the model sees at once")
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--sample-length", type=int, default=300)
    parser.add_argument("--prompt", default="MENENIUS:\n")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the loss curve (default ./out)")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    text = CharText(TEXT.read_text())
    split = int(0.9 * len(text.ids))
    train_ids, val_ids = text.ids[:split], text.ids[split:]
    model = CharTransformer(len(text.vocabulary), args.context, args.d_model, args.heads, args.layers, args.dropout)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr)
    losses, val_losses = [], []
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for _ in range(args.steps):
            loss = next_character_loss(model, *text.windows(train_ids, rng, args.batch_size, args.context))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
        losses.append(total / args.steps)
        model.eval()
        with torch.no_grad():
            val_losses.append(next_character_loss(model, *text.windows(val_ids, rng, 64, args.context)).item())
        model.train()
        print(f"epoch {epoch:>3}: train loss {losses[-1]:.3f}, validation loss {val_losses[-1]:.3f}", flush=True)
    generated = sample(model, text, args.prompt, args.sample_length, args.context, rng)
    print(f"\nsample:\n{args.prompt}{generated}")
    plot = save_curves(output_dir(args.out) / "transformer_lm_loss.png",
                       {"cross-entropy (nats per character)": {"train": losses, "validation": val_losses}})
    return {"losses": losses, "val_losses": val_losses, "sample": generated, "vocabulary": text.vocabulary,
            "plot": plot}


if __name__ == "__main__":
    main()
