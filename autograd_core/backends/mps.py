"""``torch.backends.mps``: Apple's Metal backend is neither built nor available here."""


def is_available():
    """Whether an MPS device can be used: no."""
    return False


def is_built():
    """Whether this build has MPS support: no."""
    return False
