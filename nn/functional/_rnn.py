"""Recurrent layers have no functional form in torch.nn.functional; they live in ``nn.modules.rnn``."""
__all__ = []
