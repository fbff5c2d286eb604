"""Phase 3, model: the resolved, immutable intermediate model and how it is built."""

from dynagen.model.build import build_model
from dynagen.model.schema import Model

__all__ = ["Model", "build_model"]
