"""Whether operations are recorded for backward: no_grad, enable_grad, set_grad_enabled.

The switches are per thread, as in PyTorch: a ``no_grad`` evaluation loop in
one thread never stops another thread from recording its graph.
"""
import functools
import threading


class _ThreadGradMode(threading.local):
    """This thread's switches, read on every op; a new thread starts from the class defaults."""

    enabled = True
    anomaly = False
    observers = ()  # the engine's observers of this thread's backward passes (engine.observe)
    tracer = None  # what records this thread's unrecorded ops while onnx.export traces a forward pass


GradMode = _ThreadGradMode()


def is_grad_enabled():
    return GradMode.enabled


class _GradModeContext:
    """Sets ``GradMode.enabled`` to ``mode`` inside a with-block or a decorated function."""

    mode = None

    def __enter__(self):
        self._prev = GradMode.enabled
        GradMode.enabled = self.mode

    def __exit__(self, *exc):
        GradMode.enabled = self._prev
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            prev = GradMode.enabled
            GradMode.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                GradMode.enabled = prev
        return wrapper


class no_grad(_GradModeContext):
    """Ops inside do not record a graph (context manager or decorator)."""

    mode = False


class enable_grad(_GradModeContext):
    """Re-enable recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once, or for a with-block."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = GradMode.enabled
        GradMode.enabled = self.mode

    def __enter__(self):
        pass


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (this engine has no separate inference tensors)."""

    def __init__(self, mode=True):
        self.mode = not mode


class detect_anomaly:
    """Make backward raise, naming the Function, when a gradient has NaN or inf."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = GradMode.anomaly
        GradMode.anomaly = self.check_nan

    def __exit__(self, *exc):
        GradMode.anomaly = self._prev
        return False


def set_detect_anomaly(mode):
    GradMode.anomaly = bool(mode)
