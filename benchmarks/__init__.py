"""unitorch's benchmark suite: unitorch against native PyTorch, native TensorFlow, Keras 3
and EagerPy, side by side in one run.  Run ``python -m benchmarks --help``."""
