"""The course's example networks, used by ``python -m viz`` and the docs' drawings.

    python -m viz examples.models:MyNet --input 1,784 -o mynet.svg
    python -m viz examples.models:CNN --input 1,1,28,28 -o cnn.svg --collapse
"""
import nn

__all__ = ["MyNet", "CNN"]


class MyNet(nn.Module):
    """The course's MLP for MNIST: 784 -> 300 -> ReLU -> 10."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 300)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(300, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class CNN(nn.Module):
    """The course's CNN for 1x28x28 images: one 3x3 convolution (10 channels), then an MLP."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 10, 3)
        self.relu1 = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(6760, 300)
        self.relu2 = nn.ReLU()
        self.fc2 = nn.Linear(300, 10)

    def forward(self, x):
        x = self.flatten(self.relu1(self.conv(x)))
        return self.fc2(self.relu2(self.fc1(x)))
