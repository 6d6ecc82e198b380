"""`nn.utils`: gradient clipping, as `torch.nn.utils` names it."""
from .clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
