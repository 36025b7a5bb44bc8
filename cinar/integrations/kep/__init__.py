"""KEP (registered electronic mail): protocol, sandbox, and the outline of a real backend."""

from .handlers import eyp_handlers, register_eyp_handler, unregister_eyp_handler
from .protocol import (
    Attachment,
    Delil,
    DelilKind,
    KEPBackend,
    KEPMessage,
    KEPSendResult,
    validate_address,
)

__all__ = [
    "Attachment",
    "Delil",
    "DelilKind",
    "KEPBackend",
    "KEPMessage",
    "KEPSendResult",
    "eyp_handlers",
    "register_eyp_handler",
    "unregister_eyp_handler",
    "validate_address",
]
