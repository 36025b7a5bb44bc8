from django.urls import path

from cinar.organization import views

app_name = "organization"

urlpatterns = [
    path("", views.org_chart, name="org_chart"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/memberships/new/", views.membership_add, name="membership_add"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("positions/", views.position_list, name="position_list"),
    path("positions/new/", views.position_create, name="position_create"),
    path("positions/<int:pk>/edit/", views.position_edit, name="position_edit"),
    path("roles/", views.role_list, name="role_list"),
    path(
        "role-assignments/<int:pk>/revoke/",
        views.role_assignment_revoke,
        name="role_assignment_revoke",
    ),
    path("signature-authority/", views.signature_authority_list, name="signature_authority_list"),
    path(
        "signature-authority/new/",
        views.signature_authority_grant,
        name="signature_authority_grant",
    ),
    path(
        "signature-authority/<int:pk>/delegate/",
        views.signature_authority_delegate,
        name="signature_authority_delegate",
    ),
    path(
        "signature-authority/<int:pk>/revoke/",
        views.signature_authority_revoke,
        name="signature_authority_revoke",
    ),
    path("delegations/", views.delegation_list, name="delegation_list"),
    path("delegations/new/", views.delegation_create, name="delegation_create"),
    path("delegations/<int:pk>/cancel/", views.delegation_cancel, name="delegation_cancel"),
    path("import/", views.import_page, name="import"),
    path(
        "import/template/<str:kind>.<str:fmt>",
        views.import_template,
        name="import_template",
    ),
]
