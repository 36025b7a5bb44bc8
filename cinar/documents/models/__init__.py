"""Document models, split by aggregate."""

from cinar.documents.models.approval import ApprovalStep, StepDecision, StepKind
from cinar.documents.models.archive import *  # noqa: F403
from cinar.documents.models.document import (
    Attachment,
    Channel,
    Confidentiality,
    Correspondent,
    CorrespondentKind,
    Direction,
    Document,
    DocumentRecipient,
    DocumentReference,
    DocumentStatus,
    DocumentVersion,
    RecipientPurpose,
    SignatureState,
    Urgency,
)
from cinar.documents.models.file_plan import DisposalAction, FilePlanCode
from cinar.documents.models.kep import (
    DeliveryStatus,
    DocumentDelivery,
    IncomingPackage,
    IncomingPackageStatus,
    KEPPollCursor,
)
from cinar.documents.models.numbering import NumberSequence, SequenceKind
from cinar.documents.models.routing import Instruction, Routing
from cinar.documents.models.template import *  # noqa: F403

__all__ = [
    "ApprovalStep",
    "Attachment",
    "Channel",
    "Confidentiality",
    "Correspondent",
    "CorrespondentKind",
    "DeliveryStatus",
    "Direction",
    "DisposalAction",
    "Document",
    "DocumentDelivery",
    "DocumentRecipient",
    "DocumentReference",
    "DocumentStatus",
    "DocumentVersion",
    "FilePlanCode",
    "IncomingPackage",
    "IncomingPackageStatus",
    "Instruction",
    "KEPPollCursor",
    "NumberSequence",
    "RecipientPurpose",
    "Routing",
    "SequenceKind",
    "SignatureState",
    "StepDecision",
    "StepKind",
    "Urgency",
]
