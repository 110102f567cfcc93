"""Next best action (issue 9): the catalogue administrators keep, and the decisions and responses.

The catalogue rows (:class:`Track`, :class:`Action`, :class:`PressurePolicy`,
:class:`ContextWeight`) are turned into the framework-free engine's catalogue by
:func:`tenure.nextbest.services.catalogue`; rules are stored as JSON lists of
``tenure.analytics.nba.Rule.to_dict()`` and checked on save (:meth:`clean`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenure.nextbest.fields import help_text, is_known_field
from tenure.partners.models import BusinessPartner, Channel

RULES_HELP = _(
    'A JSON list of rules, e.g. [{"name": "phone consent", "field": "consent_phone", '
    '"op": "is true"}]. Operators: ==, !=, <, <=, >, >=, in, not in, between, is true, is false, '
    "present, missing. "
)


def check_rules(rules: Any, *, single: bool = False) -> list[str]:
    """The problems of a stored rule list (or a single rule), each naming its rule."""
    from tenure.analytics.nba import Rule

    items = [rules] if single else rules
    if not isinstance(items, list) or (single and not isinstance(rules, dict)):
        return [str(_("Rules must be a JSON list of objects with name, field, op, value."))]
    problems: list[str] = []
    for index, item in enumerate(items, 1):
        name = item.get("name") if isinstance(item, dict) else None
        label = repr(name) if name else f"#{index}"
        if not isinstance(item, dict) or not name or not item.get("field") or not item.get("op"):
            problems.append(f"rule {label}: needs a name, a field and an operator")
            continue
        try:
            Rule.from_dict(item)
        except (ValueError, TypeError) as exc:
            problems.append(f"rule {label}: {exc}".replace(f"rule {name!r}: rule", "rule"))
            continue
        if not is_known_field(item["field"]):
            problems.append(f"rule {label}: unknown field {item['field']!r}")
    return problems


class Prioritisation(models.TextChoices):
    RETURN = "return", _("Return (P·V − C) / C")
    PROFIT = "profit", _("Profit P·V − C")


class Track(models.Model):
    """A customer track (collections → retention → growth): entry rules, order, prioritisation."""

    key = models.SlugField(_("key"), max_length=40, primary_key=True)
    label = models.CharField(_("label"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    prioritisation = models.CharField(
        _("prioritisation"), max_length=6, choices=Prioritisation.choices, default="return"
    )
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("A customer on this track gets no discretionary offers of later tracks."),
    )
    rules = models.JSONField(_("entry rules"), default=list, blank=True, help_text=RULES_HELP)

    class Meta:
        verbose_name = _("customer track")
        verbose_name_plural = _("customer tracks")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return str(self.label)

    def clean(self) -> None:
        problems = check_rules(self.rules)
        if problems:
            raise ValidationError({"rules": problems})


class Action(models.Model):
    """An offer or service step: P (fixed, learned or a context field), V, C, lever, rules."""

    class Kind(models.TextChoices):
        MANDATORY = "mandatory", _("Mandatory")
        DISCRETIONARY = "discretionary", _("Discretionary")

    key = models.SlugField(_("key"), max_length=40, primary_key=True)
    label = models.CharField(_("label"), max_length=200)
    track = models.ForeignKey(Track, verbose_name=_("track"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=13, choices=Kind.choices, default="discretionary")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    probability = models.FloatField(
        _("probability of success P"), null=True, blank=True, help_text=_("0..1; the prior.")
    )
    learned = models.BooleanField(
        _("use the learned response rate"),
        default=False,
        help_text=_("P = the rate learned from responses in the customer's segment."),
    )
    propensity_field = models.CharField(
        _("propensity field"), max_length=60, blank=True, help_text=_("A context field as P.")
    )
    product = models.ForeignKey(
        "customerdata.Product",
        verbose_name=_("recommended product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Offer this product: only to customers who do not hold it, with P from the product "
            "recommender (the fixed P until a recommender run exists)."
        ),
    )
    value = models.FloatField(_("value V"), null=True, blank=True)
    value_field = models.CharField(
        _("value field"), max_length=60, blank=True, help_text=_("A context field as V.")
    )
    cost = models.FloatField(_("cost C"), default=1.0)
    lever = models.FloatField(_("business lever"), default=1.0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    eligibility = models.JSONField(
        _("eligibility"), default=list, blank=True, help_text=RULES_HELP + help_text()
    )
    applicability = models.JSONField(
        _("applicability"), default=list, blank=True, help_text=RULES_HELP
    )
    suitability = models.JSONField(_("suitability"), default=list, blank=True, help_text=RULES_HELP)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("next best action")
        verbose_name_plural = _("next best actions")
        ordering = ["track__order", "key"]

    def __str__(self) -> str:
        return str(self.label)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for step in ("eligibility", "applicability", "suitability"):
            problems = check_rules(getattr(self, step))
            if problems:
                errors[step] = problems
        for name in ("propensity_field", "value_field"):
            field = getattr(self, name)
            if field and not is_known_field(field):
                errors[name] = [f"unknown field {field!r}"]
        if self.product_id and (self.learned or self.propensity_field):
            errors["product"] = [
                str(_("A product action takes P from the recommender: no learned rate or field."))
            ]
        if self.probability is None and not self.propensity_field:
            errors["probability"] = [str(_("Give a probability P or a propensity field."))]
        if self.probability is not None and not 0 <= self.probability <= 1:
            errors["probability"] = [str(_("P must be within 0..1."))]
        if self.value is None and not self.value_field:
            errors["value"] = [str(_("Give a value V or a value field."))]
        if self.cost < 0 or self.lever < 0:
            errors["cost"] = [str(_("Cost and lever must be ≥ 0."))]
        if errors:
            raise ValidationError(errors)


class PressurePolicy(models.Model):
    """A contact-pressure policy: at most N offers per D days, or D days off after a refusal."""

    class Type(models.TextChoices):
        LIMIT = "limit", _("At most N offers per D days")
        REFUSAL = "refusal", _("No offer for D days after a refusal")

    class Scope(models.TextChoices):
        ACTION = "action", _("the refused action")
        TRACK = "track", _("any action of its track")
        ANY = "any", _("any offer")

    name = models.CharField(_("name"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=7, choices=Type.choices)
    max_offers = models.PositiveSmallIntegerField(_("at most N offers"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days D"))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, help_text=_("Empty: all")
    )
    scope = models.CharField(_("held back"), max_length=6, choices=Scope.choices, default="action")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact-pressure policy")
        verbose_name_plural = _("contact-pressure policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        if self.type == self.Type.LIMIT and self.max_offers is None:
            raise ValidationError({"max_offers": _("A limit needs N.")})
        if not self.days:
            raise ValidationError({"days": _("D must be > 0.")})


class ContextWeight(models.Model):
    """Weight × for a track's (or one action's) actions when the rule holds (e.g. the intent)."""

    rule = models.JSONField(_("condition"), help_text=RULES_HELP)
    weight = models.FloatField(_("weight"))
    track = models.ForeignKey(
        Track, verbose_name=_("track"), null=True, blank=True, on_delete=models.CASCADE
    )
    action = models.ForeignKey(
        Action, verbose_name=_("action"), null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("context weight")
        verbose_name_plural = _("context weights")
        ordering = ["id"]

    def __str__(self) -> str:
        name = self.rule.get("name", "") if isinstance(self.rule, dict) else ""
        return f"{name} × {self.weight:g}"

    def clean(self) -> None:
        problems = check_rules(self.rule, single=True)
        if problems:
            raise ValidationError({"rule": problems})
        if (self.track_id is None) == (self.action_id is None):
            raise ValidationError(_("A context weight targets either a track or an action."))
        if self.weight < 0:
            raise ValidationError({"weight": _("The weight must be ≥ 0.")})


class Arbitration(models.Model):
    """How offerable actions are ranked (one row): by track order then the track's
    prioritisation, or by the score propensity × context weight × value × lever."""

    class Mode(models.TextChoices):
        TRACK = "track", _("Track order, then return or profit")
        SCORE = "score", _("Score: propensity × context weight × value × lever")

    mode = models.CharField(_("ranking"), max_length=5, choices=Mode.choices, default="track")
    propensity = models.BooleanField(_("use the propensity"), default=True)
    context_weight = models.BooleanField(_("use the context weight"), default=True)
    value = models.BooleanField(_("use the value"), default=True)
    lever = models.BooleanField(_("use the business lever"), default=True)

    class Meta:
        verbose_name = _("arbitration")
        verbose_name_plural = _("arbitration")

    def __str__(self) -> str:
        return str(self.get_mode_display())


class Decision(models.Model):
    """One arbitration for one partner, with the engine's JSON explanation (shown on demand)."""

    class AskedBy(models.TextChoices):
        AGENT = "agent", _("Agent (partner page)")
        API = "api", _("API")
        CAMPAIGN = "campaign", _("Campaign")
        CTI = "cti", _("Inbound call")

    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="nba_decisions", db_index=False
    )
    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    intent = models.CharField(_("intent"), max_length=40, blank=True)
    asked_by = models.CharField(_("asked by"), max_length=8, choices=AskedBy.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    segment = models.CharField(_("segment"), max_length=10, blank=True)
    top_action = models.CharField(_("top action"), max_length=40, blank=True)
    explanation = models.JSONField(_("explanation"))

    class Meta:
        verbose_name = _("next-best-action decision")
        verbose_name_plural = _("next-best-action decisions")
        indexes = [models.Index(fields=["partner", "-at"], name="nba_decision_partner_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.at:%Y-%m-%d %H:%M}: {self.top_action or '–'}"


class Response(models.Model):
    """The customer's answer to an action of a decision, as the agent recorded it."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        LATER = "later", _("Later")
        NO_ANSWER = "no_answer", _("No answer")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="responses")
    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    action = models.CharField(_("action"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    kind = models.CharField(_("kind"), max_length=13, blank=True)
    segment = models.CharField(_("segment"), max_length=10, blank=True)
    response = models.CharField(_("response"), max_length=9, choices=Answer.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("response to an action")
        verbose_name_plural = _("responses to actions")
        indexes = [models.Index(fields=["partner", "-at"], name="nba_response_partner_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.response}"


class ProactiveRun(models.Model):
    """A batch decision over the whole base; its top actions populate campaigns."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    partners = models.PositiveIntegerField(_("partners decided"), default=0)
    complete = models.BooleanField(_("complete"), default=False)
    reason_counts = models.JSONField(_("held back, by reason"), default=list, blank=True)

    class Meta:
        verbose_name = _("proactive run")
        verbose_name_plural = _("proactive runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.partners})"


class ProactiveResult(models.Model):
    """A partner's top action in a proactive run."""

    run = models.ForeignKey(ProactiveRun, on_delete=models.CASCADE, related_name="results")
    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    action = models.CharField(_("action"), max_length=40)
    score = models.FloatField(_("score"))

    class Meta:
        verbose_name = _("proactive result")
        verbose_name_plural = _("proactive results")
        indexes = [models.Index(fields=["run", "action"], name="nba_result_action_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.action}"


class RecommenderRun(models.Model):
    """A fitted product recommender: the hybrid of item-based collaborative filtering and content
    filtering, its offline evaluation against the baselines on a time split, and the calibration
    that turns its scores into the probability that a customer takes a product up."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    complete = models.BooleanField(_("complete"), default=False)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    products = models.PositiveIntegerField(_("products"), default=0)
    holdings = models.PositiveIntegerField(_("holdings"), default=0)
    k = models.PositiveSmallIntegerField(_("k (recommendations judged)"), default=3)
    cutoff = models.DateField(_("evaluation cutoff"), null=True, blank=True)
    horizon_days = models.PositiveIntegerField(_("calibration horizon (days)"), default=0)
    evaluation = models.JSONField(_("evaluation"), default=list, blank=True)
    calibration = models.JSONField(_("calibration"), default=dict, blank=True)
    product_keys = models.JSONField(_("product keys (matrix columns)"), default=list)
    model = models.BinaryField(_("fitted model"), editable=False)

    class Meta:
        verbose_name = _("product recommender run")
        verbose_name_plural = _("product recommender runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.customers} customers)"
