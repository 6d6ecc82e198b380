"""`Embedding`: a lookup table of learnt vectors, shaped like `torch.nn.Embedding`."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from . import init
from .functional_conv import embedding
from .module import Module, Parameter


class Embedding(Module):
    """Rows of a (num_embeddings, embedding_dim) weight, drawn from N(0, 1); the padding_idx
    row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 rng: np.random.Generator | int | None = None, dtype: Any = np.float64) -> None:
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings="
                                 f"{num_embeddings}, got {padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(np.zeros((num_embeddings, embedding_dim)), dtype=dtype)
        init.normal_(self.weight, rng=np.random.default_rng(rng))
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0.0

    def forward(self, input: Any) -> Tensor:
        """The rows of the weight at the integer indices in input (any shape)."""
        return embedding(input, self.weight, self.padding_idx, who="Embedding")

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"


__all__ = ["Embedding"]
