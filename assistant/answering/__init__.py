"""Answers: evidence gathering, the evidence judgment (abstain or answer), extractive and
generated answers with checked citations, follow-ups and conversations."""
