"""This app's permissions (declared on ``Document.Meta``), bundled by organization roles
and checked with their unit scope through ``organization.queries``."""

from __future__ import annotations

from enum import StrEnum


class DocumentPermission(StrEnum):
    #: Register incoming documents for units in scope (Evrak Kayıt Memuru).
    REGISTER_INCOMING = "documents.register_incoming"
    #: See the unclassified and restricted documents of units in scope (managers, admins).
    VIEW_UNIT_DOCUMENTS = "documents.view_unit_documents"
    #: Edit the Standart Dosya Planı.
    MANAGE_FILE_PLAN = "documents.manage_file_plan"
    #: Create and edit document templates (şablonlar); declared on DocumentTemplate.
    MANAGE_TEMPLATES = "documents.manage_templates"
    #: File documents, close dossiers, legal holds, disposal lists; declared on Dossier.
    MANAGE_ARCHIVE = "documents.manage_archive"
    #: Sit on a disposal committee (imha komisyonu) and decide; declared on Dossier.
    APPROVE_DISPOSAL = "documents.approve_disposal"

    @property
    def app_label(self) -> str:
        return self.value.split(".", 1)[0]

    @property
    def codename(self) -> str:
        return self.value.split(".", 1)[1]


ALL_PERMISSIONS: tuple[DocumentPermission, ...] = tuple(DocumentPermission)

#: Which default organization role gets which of our permissions
#: (``actions.document_roles_ensure_defaults``).
DEFAULT_ROLE_PERMISSIONS: dict[str, tuple[DocumentPermission, ...]] = {
    "system_admin": ALL_PERMISSIONS,
    "unit_manager": (DocumentPermission.VIEW_UNIT_DOCUMENTS,),
    "records_officer": (DocumentPermission.REGISTER_INCOMING,),
}
