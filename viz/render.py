"""Pick a Graphviz renderer and turn DOT source into files.

The system Graphviz ``dot`` is used when it is on PATH; otherwise the
``graphviz-pure`` wheel's self-contained program (same flags, svg and png but
no pdf), found on PATH or next to the running Python. Both are run as a
subprocess with a time limit, so a drawing never hangs.
"""
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

__all__ = ["Drawing", "Renderer", "find_renderer", "render_source", "RENDER_TIMEOUT"]

SYSTEM_DOT = "dot"
GRAPHVIZ_PURE = "graphviz-pure"
RENDER_TIMEOUT = 120  # seconds
SOURCE_FORMATS = {"dot", "gv"}  # written as DOT text, no renderer needed
PURE_FORMATS = {"svg", "png", "jpg", "jpeg", "json", "plain", "xdot"}
INSTALL_HINT = ("install one: `pip install graphviz-pure` (self-contained; svg and png) or the system Graphviz "
                "(`apt-get install graphviz`, `brew install graphviz` or `conda install graphviz`)")


class Renderer:
    """A Graphviz program: ``name`` is ``"dot"`` or ``"graphviz-pure"``, ``path`` its executable."""

    def __init__(self, name, path):
        self.name = name
        self.path = path

    def __repr__(self):
        return f"Renderer({self.name!r}, {self.path!r})"

    def supports(self, fmt):
        return self.name == SYSTEM_DOT or fmt in PURE_FORMATS


def _find_program(name):
    """``name`` on PATH, else in the running Python's scripts folder (a venv that is not activated)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in {str(Path(sys.executable).parent), sysconfig.get_path("scripts")}:
        found = shutil.which(name, path=folder)
        if found:
            return found
    return None


def find_renderer(name=None, fmt="svg"):
    """The renderer to use: ``name`` if given, else system dot when installed, else graphviz-pure."""
    if name not in (None, SYSTEM_DOT, GRAPHVIZ_PURE):
        raise ValueError(f"viz: unknown renderer {name!r}; expected 'dot', 'graphviz-pure' or None (pick one)")
    for candidate in [name] if name else [SYSTEM_DOT, GRAPHVIZ_PURE]:
        path = _find_program(candidate)
        if path is None:
            continue
        renderer = Renderer(candidate, path)
        if renderer.supports(fmt):
            return renderer
        if name:
            raise RuntimeError(f"viz: graphviz-pure cannot write {fmt!r} (it writes {', '.join(sorted(PURE_FORMATS))}); "
                               "install the system Graphviz for it, or render to .svg or .png")
    if name:
        raise RuntimeError(f"viz: the Graphviz renderer {name!r} was not found; {INSTALL_HINT}")
    if fmt not in PURE_FORMATS and _find_program(GRAPHVIZ_PURE):
        raise RuntimeError(f"viz: writing {fmt!r} needs the system Graphviz `dot` (graphviz-pure writes svg and png "
                           f"only); {INSTALL_HINT}")
    raise RuntimeError(f"viz: no Graphviz renderer found to write {fmt!r}; {INSTALL_HINT}")


def render_source(source, fmt, renderer=None, timeout=RENDER_TIMEOUT):
    """Run a renderer on DOT ``source``; returns the output bytes."""
    program = renderer if isinstance(renderer, Renderer) else find_renderer(renderer, fmt)
    try:
        done = subprocess.run([program.path, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"viz: {program.name} did not finish within {timeout} s; draw less (max_nodes=, "
                           "max_depth=, or draw_model(collapse=True)) or pass a longer timeout") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"viz: {program.name} failed to write {fmt!r} (exit status {done.returncode}): {message}")
    return done.stdout


class Drawing:
    """A ``graphviz.Digraph`` (``.digraph``) with rendering that works with pip alone.

    ``render("graph.svg")`` picks the format from the extension (svg, png, pdf,
    dot); ``render("graph", format="png")`` or ``.format = "png"`` then
    ``render("graph")`` follow graphviz's convention: the DOT source goes to
    ``graph`` and the drawing to ``graph.png``. In Jupyter it shows inline as SVG.
    """

    def __init__(self, digraph, renderer=None):
        self.digraph = digraph
        self.renderer = renderer  # None: system dot when installed, else graphviz-pure; set it to choose
        self.format = None  # graphviz's attribute: the format render() writes when it is given no format

    @property
    def source(self):
        """The DOT text."""
        return self.digraph.source

    def __str__(self):
        return self.source

    def pipe(self, format="svg", renderer=None, timeout=RENDER_TIMEOUT):
        """The rendered bytes in ``format``."""
        if format in SOURCE_FORMATS:
            return self.source.encode("utf-8")
        return render_source(self.source, format, renderer or self.renderer, timeout)

    def render(self, filename, directory=None, view=False, cleanup=False, format=None, renderer=None,
               timeout=RENDER_TIMEOUT):
        """Write the drawing and return its Path.

        With a format (``format=`` or ``.format``), as graphviz does: the DOT source
        to ``filename`` (unless ``cleanup``) and the drawing to ``filename.<format>``.
        Without one, the drawing goes to ``filename`` in the format of its extension.
        """
        if view:
            raise ValueError("viz: render(view=True) would open a viewer; open the returned path yourself")
        path = Path(directory or "") / filename
        fmt = (format or self.format or "").lower()
        if fmt:
            if not cleanup:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(self.source, encoding="utf-8")
            path = path.with_name(f"{path.name}.{fmt}")
        else:
            fmt = path.suffix.lstrip(".").lower()
            if not fmt:
                raise ValueError(f"viz: cannot tell the format of {str(path)!r}; give a file name ending in .svg, "
                                 ".png, .pdf or .dot, or pass format=")
        data = self.pipe(fmt, renderer, timeout)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def _repr_svg_(self):
        return self.pipe("svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None):
        mime = "image/svg+xml"
        if (include and mime not in include) or (exclude and mime in exclude):
            return {}
        return {mime: self._repr_svg_()}
