"""Deployable artifacts without Docker: per-function lock subsets, manylinux wheels, pruning, bytecode."""
