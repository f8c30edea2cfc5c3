"""Evaluation: retrieval, answer and recommendation metrics, and the naive baselines."""
