"""A PyTorch training program, as written for PyTorch, on unitorch: only the imports name
unitorch (``import unitorch.torch as torch``).

    UNITORCH_BACKEND=torch      python examples/pytorch/digits_cnn.py
    UNITORCH_BACKEND=tensorflow python examples/pytorch/digits_cnn.py

A small CNN on scikit-learn's handwritten digits (offline; 1797 8x8 images in PyTorch's
N x C x H x W layout): a ``Dataset`` with a transform, ``DataLoader`` with shuffling
(``--workers N`` loads in N worker processes), ``nn.Module`` with ``Conv2d``,
``max_pool2d`` and dropout, ``F.nll_loss``, Adam with ``StepLR``, ``torch.no_grad()``
evaluation, and a checkpoint written with ``torch.save(model.state_dict(), ...)`` and
read back with ``torch.load``.  With ``UNITORCH_RANDOM=portable`` the two backends print
the same numbers (the same initial weights, batches and dropout masks).
"""

import argparse
import os
import tempfile

import numpy as np

import unitorch.torch as torch
import unitorch.torch.nn as nn
import unitorch.torch.nn.functional as F
import unitorch.torch.optim as optim
from unitorch.torch.optim.lr_scheduler import StepLR
from unitorch.torch.utils.data import DataLoader, Dataset


class Digits(Dataset):
    """scikit-learn's digits as 1x8x8 float images in [0, 1] and int labels."""

    def __init__(self, train, transform=None):
        from sklearn.datasets import load_digits

        digits = load_digits()
        order = np.random.default_rng(0).permutation(len(digits.target))
        cut = int(0.8 * len(order))
        pick = order[:cut] if train else order[cut:]
        self.images = (digits.images[pick] / 16.0).astype(np.float32)
        self.labels = digits.target[pick].astype(np.int64)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = torch.from_numpy(self.images[i][None])
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[i])


def normalize(image):
    return (image - 0.3) / 0.4


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(torch.flatten(x, 1))
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def train(model, loader, optimizer):
    model.train()
    total = 0.0
    for data, target in loader:
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * data.size(0)
    return total / len(loader.dataset)


def evaluate(model, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return loss / len(loader.dataset), correct


def main():
    parser = argparse.ArgumentParser(description="A PyTorch CNN on digits, on unitorch")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_set = Digits(train=True, transform=normalize)
    test_set = Digits(train=False, transform=normalize)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    test_loader = DataLoader(test_set, batch_size=256)

    model = Net().to(device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        train_loss = train(model, train_loader, optimizer)
        test_loss, correct = evaluate(model, test_loader)
        scheduler.step()
        print(f"epoch {epoch}: train loss {train_loss:.5f}, test loss {test_loss:.5f}, "
              f"accuracy {correct}/{len(test_set)}, lr {scheduler.get_last_lr()[0]:.5f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "digits_cnn.pt")
        torch.save(model.state_dict(), path)
        restored = Net()
        restored.load_state_dict(torch.load(path, weights_only=True))
        print("restored model agrees:", evaluate(restored, test_loader) == evaluate(
            model, test_loader))


if __name__ == "__main__":
    main()
