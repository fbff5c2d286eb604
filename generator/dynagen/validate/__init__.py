"""Phase 2, validate: the document's structure against the language's JSON Schema.

Knows nothing of Jinja or files on disk. Semantic rules that need resolved types, key
templates or expressions are checked while the model is built (``dynagen.model``), which
reports them the same way: as located diagnostics.
"""

from dynagen.validate.structure import Recovery, recover_structure, validate_structure

__all__ = ["Recovery", "recover_structure", "validate_structure"]
