"""The four roles and what each may do; the migrations turn this table into Django groups.

Change a role here and add a migration that calls :func:`sync_roles` again.
"""

from __future__ import annotations

from typing import Any

AGENT = "agent"
MARKETING = "marketing"
ANALYST = "analyst"
ADMIN = "admin"
TELEPHONY = "telephony"
ROLES = (AGENT, MARKETING, ANALYST, ADMIN, TELEPHONY)
"""The four roles of people, and the system role of the telephony system (reports calls)."""

GROUP_NAMES = {
    AGENT: "Agents",
    MARKETING: "Retention and marketing",
    ANALYST: "Analysts",
    ADMIN: "Administrators",
    TELEPHONY: "Telephony systems",
}

_READ_CUSTOMER = [
    "partners.view_businesspartner",
    "partners.view_partnerphonenumber",
    "partners.view_channelconsent",
    "customervalue.view_customervaluedataset",
    "customervalue.view_customersegment",
    "customervalue.view_churnriskclass",
    "guidance.view_recommendation",
    "guidance.view_recommendationtype",
    "customerdata.view_payment",
    "customerdata.view_complaint",
    "customerdata.view_product",
    "customerdata.view_productholding",
    "partners.view_note",
    "partners.view_task",
    "nextbest.view_decision",
    "nextbest.add_response",
]

_MODEL_RUNS = [
    "customervalue.view_modelrun",
    "customervalue.view_customervaluerule",
    "customervalue.view_segmentrule",
    "customervalue.view_riskclassrule",
]
_PROPENSITY = ["retention.view_propensityrun", "retention.change_propensityrun"]
"""Analysts train, compare and publish propensity models (training runs on the command line)."""
_INDICATORS_READ = [
    "retention.view_partnerindicator",
    "retention.view_trafficlightchange",
    "retention.view_npsrecord",
    "retention.view_indicatorrules",
    "campaigns.view_campaign",
    "campaigns.view_contact",
]
_INDICATORS_UPDATE = ["retention.add_trafficlightchange", "retention.add_npsrecord"]
"""Operators record the NPS and set the traffic light (with a reason) in the CRM summary."""
_ADMIN_APPS = (
    "core",
    "partners",
    "customervalue",
    "guidance",
    "accounts",
    "cti",
    "retention",
    "campaigns",
    "customerdata",
    "reports",
    "nextbest",
)
_CAMPAIGNS_WORK = ["campaigns.change_contact", "partners.change_channelconsent"]
"""Agents work the contacts of their worklist: status, outcome, notes."""
_CAMPAIGNS_MANAGE = [
    "campaigns.view_campaigntemplate",
    "campaigns.add_campaigntemplate",
    "campaigns.change_campaigntemplate",
    "campaigns.add_campaign",
    "campaigns.change_campaign",
    "campaigns.add_contact",
    "campaigns.change_contact",
    "campaigns.view_campaignsettings",
    "partners.change_channelconsent",
    "reports.view_savedsearch",
    "reports.add_savedsearch",
    "reports.change_savedsearch",
    "reports.delete_savedsearch",
]
"""The retention and marketing team builds campaigns from templates and saved searches."""
_UPLIFT = ["campaigns.view_upliftrun"]
"""Analysts and the retention team read the uplift models learned from finished campaigns."""
_NOTES_WRITE = [
    "partners.add_note",
    "partners.change_note",
    "partners.add_task",
    "partners.change_task",
]
"""Agents write notes and tasks on a partner and complete the tasks assigned to them."""
_CALLS = ["cti.view_call", "cti.change_call"]  # see the screen pop, pick the matching partner

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [
        *_READ_CUSTOMER,
        *_INDICATORS_READ,
        *_INDICATORS_UPDATE,
        *_CALLS,
        *_CAMPAIGNS_WORK,
        *_NOTES_WRITE,
        "partners.add_businesspartner",
    ],
    MARKETING: [
        *_READ_CUSTOMER,
        *_INDICATORS_READ,
        *_INDICATORS_UPDATE,
        *_CAMPAIGNS_MANAGE,
        *_UPLIFT,
        "cti.view_call",
        "nextbest.view_proactiverun",
    ],
    ANALYST: [
        *_READ_CUSTOMER,
        *_MODEL_RUNS,
        *_PROPENSITY,
        *_INDICATORS_READ,
        "campaigns.view_campaigntemplate",
        *_UPLIFT,
        "reports.view_savedsearch",
        "reports.add_savedsearch",
        "reports.change_savedsearch",
        "reports.delete_savedsearch",
        "cti.view_call",
        "core.view_importrun",
        "core.view_module",
        "nextbest.view_response",
        "nextbest.view_recommenderrun",
        "nextbest.view_action",
        "nextbest.view_track",
        "nextbest.view_proactiverun",
    ],
    ADMIN: [f"{app}.*" for app in _ADMIN_APPS] + ["auth.view_user", "auditlog.view_logentry"],
    TELEPHONY: ["cti.add_call"],
}


def _model_exists(apps: Any, app_label: str, codename: str) -> bool:
    """Whether the model a permission code names (``view_contact`` → ``contact``) exists yet."""
    model_name = codename.split("_", 1)[1]
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True


def sync_roles(apps: Any) -> None:
    """Create the role groups and set their permissions (idempotent); usable from migrations."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    labels = {app_config.label for app_config in apps.get_app_configs()}
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=GROUP_NAMES[role])
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            if app_label not in labels:
                continue  # an app migrated later; its migration calls sync_roles again
            if codename != "*" and not _model_exists(apps, app_label, codename):
                continue  # a model created by a later migration, which calls sync_roles again
            query = permission_model.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            found = list(query)
            if not found:
                raise LookupError(f"role {role}: no permission {code}")
            permissions.extend(found)
        group.permissions.set(permissions)
