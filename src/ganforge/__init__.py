"""ganforge: the GAN family, faithful to the papers, fast, measured.

    import ganforge
    ganforge.train("gan", data="digits", steps=3000, out="runs/gan-digits")
    G = ganforge.load("runs/gan-digits")
    x = G.sample(64)   # [64, 1, 8, 8] in [0, 1]
    ganforge.export("runs/gan-digits", format="onnx", out="gan-digits.onnx")  # + .card.json
"""

__version__ = "0.1.0"

from .api import load, train  # noqa: E402,F401
from .exporting import export  # noqa: E402,F401

__all__ = ["train", "load", "export", "__version__"]
