"""The four roles and what each may do; the migrations turn this table into Django groups.

Change a role here and add a migration that calls :func:`sync_roles` again.
"""

from __future__ import annotations

from typing import Any

AGENT = "agent"
MARKETING = "marketing"
ANALYST = "analyst"
ADMIN = "admin"
ROLES = (AGENT, MARKETING, ANALYST, ADMIN)

GROUP_NAMES = {
    AGENT: "Agents",
    MARKETING: "Retention and marketing",
    ANALYST: "Analysts",
    ADMIN: "Administrators",
}

_READ_CUSTOMER = [
    "partners.view_businesspartner",
    "partners.view_partnerphonenumber",
    "customervalue.view_customervaluedataset",
    "customervalue.view_customersegment",
    "customervalue.view_churnriskclass",
    "guidance.view_recommendation",
    "guidance.view_recommendationtype",
]

_ADMIN_APPS = ("core", "partners", "customervalue", "guidance", "accounts")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: _READ_CUSTOMER,
    MARKETING: _READ_CUSTOMER,
    ANALYST: [*_READ_CUSTOMER, "core.view_importrun", "core.view_module"],
    ADMIN: [f"{app}.*" for app in _ADMIN_APPS] + ["auth.view_user", "auditlog.view_logentry"],
}


def sync_roles(apps: Any) -> None:
    """Create the role groups and set their permissions (idempotent); usable from migrations."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=GROUP_NAMES[role])
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            query = permission_model.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            found = list(query)
            if not found:
                raise LookupError(f"role {role}: no permission {code}")
            permissions.extend(found)
        group.permissions.set(permissions)
