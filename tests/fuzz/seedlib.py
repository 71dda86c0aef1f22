"""Shared by the make-*-seeds.py scripts: write a seed corpus."""

import os


def write_corpus(target, seeds):
    """Write each seed (name -> bytes) to corpus/<target>/ next to this file."""
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", target)
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
