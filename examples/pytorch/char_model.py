"""A character-level language model, PyTorch style, on unitorch: a map-style
``Dataset`` of text windows, a ``DataLoader`` with a ``RandomSampler`` drawing with
replacement and worker processes (``--workers``), an ``Embedding`` + ``GRU`` model,
``F.cross_entropy``, gradient clipping, AdamW, and sampling with ``torch.multinomial``.

    UNITORCH_BACKEND=torch      python examples/pytorch/char_model.py
    UNITORCH_BACKEND=tensorflow python examples/pytorch/char_model.py --workers 2

The text is this docstring, four times.  With ``UNITORCH_RANDOM=portable`` both backends
print the same losses and the same sampled text.
"""

import argparse

import unitorch.torch as torch
import unitorch.torch.nn as nn
import unitorch.torch.nn.functional as F
from unitorch.torch.utils.data import DataLoader, Dataset, RandomSampler


class Windows(Dataset):
    def __init__(self, text, block):
        chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(chars)}
        self.itos = chars
        self.data = [self.stoi[ch] for ch in text]
        self.block = block

    def __len__(self):
        return len(self.data) - self.block

    def __getitem__(self, i):
        chunk = self.data[i:i + self.block + 1]
        return torch.tensor(chunk[:-1], dtype=torch.long), torch.tensor(chunk[1:])


class CharModel(nn.Module):
    def __init__(self, vocab, width):
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.rnn = nn.GRU(width, width, batch_first=True)
        self.head = nn.Linear(width, vocab)

    def forward(self, idx, hidden=None):
        out, hidden = self.rnn(self.embed(idx), hidden)
        return self.head(out), hidden


@torch.no_grad()
def sample(model, dataset, start, n):
    model.eval()
    idx = torch.tensor([[dataset.stoi[c] for c in start]])
    logits, hidden = model(idx)
    out = list(start)
    for _ in range(n):
        probs = F.softmax(logits[:, -1], dim=-1)
        nxt = torch.multinomial(probs, num_samples=1)
        out.append(dataset.itos[nxt.item()])
        logits, hidden = model(nxt, hidden)
    return "".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(0)
    dataset = Windows(__doc__ * 4, block=24)
    sampler = RandomSampler(dataset, replacement=True, num_samples=10**9)
    loader = DataLoader(dataset, batch_size=16, sampler=sampler, num_workers=args.workers)
    model = CharModel(len(dataset.itos), 48)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    model.train()
    for step, (x, y) in enumerate(loader):
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 20 == 0 or step == args.steps - 1:
            print(f"step {step}: loss {loss.item():.4f}")
        if step == args.steps - 1:
            break
    print("sample:", repr(sample(model, dataset, "The ", 40)))


if __name__ == "__main__":
    main()
