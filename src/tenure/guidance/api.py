"""REST API for recommendations for action (module "Customer value")."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.core.decorators import module_required
from tenure.core.models import CUSTOMER_VALUE
from tenure.customervalue.schemas import ErrorOut
from tenure.guidance.models import Recommendation
from tenure.guidance.schemas import RecommendationBody, RecommendationIn, RecommendationOut
from tenure.guidance.services import recommendation_delete, recommendation_save

router = Router(tags=["recommendations for action"])
_FOREIGN = {"option": "option_id", "segment": "segment_id", "risk_class": "risk_class_id"}


def _out(rule: Recommendation) -> RecommendationOut:
    return RecommendationOut(
        key=rule.key,
        option=rule.option_id,
        segment=rule.segment_id,
        risk_class=rule.risk_class_id,
        **{
            name: getattr(rule, name)
            for name in RecommendationBody.model_fields
            if name not in _FOREIGN
        },
    )


def _apply(rule: Recommendation, body: RecommendationBody) -> Recommendation:
    for name, value in body.model_dump().items():
        setattr(rule, _FOREIGN.get(name, name), value)
    try:
        return recommendation_save(recommendation=rule)
    except ValidationError as exc:
        errors = [
            {"field": {v: k for k, v in _FOREIGN.items()}.get(field, field), "error": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        raise InvalidRequest(errors, "invalid recommendation") from None


@router.get("", response=list[RecommendationOut], summary="List recommendations for action")
@module_required(CUSTOMER_VALUE)
def list_rules(request: HttpRequest) -> list[RecommendationOut]:
    """All rules in display order: priority (empty last), then key."""
    require_permission(request, "guidance.view_recommendation")
    return [_out(rule) for rule in Recommendation.objects.all()]


@router.post("", response={201: RecommendationOut, 409: ErrorOut, 422: ErrorOut})
@module_required(CUSTOMER_VALUE)
def create_rule(request: HttpRequest, body: RecommendationIn) -> Status[RecommendationOut]:
    require_permission(request, "guidance.add_recommendation")
    if Recommendation.objects.filter(pk=body.key).exists():
        raise HttpError(409, f"recommendation {body.key} exists; use PUT to change it")
    rule = Recommendation(key=body.key)
    return Status(201, _out(_apply(rule, RecommendationBody(**body.model_dump(exclude={"key"})))))


@router.get("/{key}", response={200: RecommendationOut, 404: ErrorOut})
@module_required(CUSTOMER_VALUE)
def read_rule(request: HttpRequest, key: str) -> RecommendationOut:
    require_permission(request, "guidance.view_recommendation")
    return _out(_get(key))


@router.put("/{key}", response={200: RecommendationOut, 404: ErrorOut, 422: ErrorOut})
@module_required(CUSTOMER_VALUE)
def update_rule(request: HttpRequest, key: str, body: RecommendationBody) -> RecommendationOut:
    require_permission(request, "guidance.change_recommendation")
    return _out(_apply(_get(key), body))


@router.delete("/{key}", response={204: None, 404: ErrorOut})
@module_required(CUSTOMER_VALUE)
def delete_rule(request: HttpRequest, key: str) -> Status[None]:
    require_permission(request, "guidance.delete_recommendation")
    _get(key)
    recommendation_delete(key=key)
    return Status(204, None)


def _get(key: str) -> Recommendation:
    rule = Recommendation.objects.filter(pk=key).first()
    if rule is None:
        raise HttpError(404, f"no recommendation {key}")
    return rule
