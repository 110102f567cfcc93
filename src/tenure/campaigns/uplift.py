"""Uplift models from finished campaigns: who does a contact move, and targeting them next time.

A finished campaign with a random control group says, for groups of customers, how much more
often the contacted ones stayed than the controls. :func:`uplift_run_train` learns that per
customer with the estimators of :mod:`tenure.analytics.uplift`:

Features (:func:`uplift_features`), as they stood **before the campaign started** (the start
day itself excluded), so nothing the campaign caused, and nothing that happened later, can enter:

- the partner's customer value dataset current then (newest ``as_of`` before the start, then
  highest id): segment, customer value, churn risk class and score, bad-debt score, CLV,
  probability alive, and how old that dataset was;
- months as a customer (``customer_since``);
- late and missed payments and open (major) complaints on the day before the start, counted as
  the traffic-light rules count them (:func:`tenure.customerdata.selectors.customer_data_counts`,
  which reads due, paid, opened and closed dates as of that day);
- the last NPS answer recorded, and the traffic light as last changed, before the start;
- how many earlier campaigns (started before this one) contacted the partner.

The dates read are business dates (``as_of``, due and paid dates, opened and closed) and, for
the NPS and the traffic light, the time they were recorded; a delivery that arrives late but is
dated before the start is used, as the customer value module treats it as valid then.

Outcome: **retained** = the partner had not left (``BusinessPartner.left_on`` empty or after the
measurement day), as :mod:`tenure.campaigns.effectiveness` counts it. Targets that had already
left before the start are dropped (they were not customers to keep).

The targets are split once, stratified by group and outcome, into a training part (70 %) and a
held-out part (30 %); the model is fitted on the first, and the Qini and uplift curves, the
Qini coefficient, the AUUC and the uplift by decile are computed on the second, beside the
ranking by churn score (what a campaign would target without an uplift model). The run stores
the fitted model, which :func:`uplift_scores` uses to rank partners for the next campaign and
:func:`source_from_uplift` turns into a :class:`~tenure.campaigns.services.TargetSource`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.campaigns.models import Campaign, Contact, UpliftRun
from tenure.campaigns.services import CampaignError, TargetSource
from tenure.customervalue.models import CustomerValueDataset
from tenure.partners.models import BusinessPartner

NUMERIC = (
    "customer_value",
    "churn_score",
    "bad_debt_score",
    "clv",
    "probability_alive",
    "dataset_age_days",
    "tenure_months",
    "late_payments",
    "missed_payments",
    "open_complaints",
    "open_major_complaints",
    "nps",
    "earlier_campaigns",
)
CATEGORICAL = ("segment", "risk_class", "traffic_light")
FEATURES = (*CATEGORICAL, *NUMERIC)
METHODS = tuple(UpliftRun.Method.values)
TEST_SHARE = 0.3
CHUNK = 5_000
SEGMENT_THRESHOLDS = (-0.02, 0.02)
"""Predicted uplift of at most −2 points: do not disturb; at least +2 points: persuadable."""
DAYS_PER_MONTH = 365.25 / 12
Progress = Callable[[str], None]


# --- features ------------------------------------------------------------------------------------
def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def uplift_features(
    partner_ids: Sequence[int], *, before: dt.date, exclude_campaign: int | None = None
) -> pd.DataFrame:
    """The :data:`FEATURES` of the partners from data dated before ``before`` (that day excluded).

    One row per partner id, indexed by ``partner_id`` in the given order; missing values are NaN
    (numbers) or None (categories). ``exclude_campaign`` is left out of the campaign history.
    About ten queries per 5,000 partners.
    """
    from tenure.customerdata.selectors import customer_data_counts
    from tenure.retention.indicators import indicator_rules
    from tenure.retention.models import NpsRecord, TrafficLightChange

    ids = [int(i) for i in partner_ids]
    start = _start_of(before)
    day_before = before - dt.timedelta(days=1)
    rules = indicator_rules()
    current = (
        CustomerValueDataset.objects.filter(partner_id=OuterRef("pk"), as_of__lt=before)
        .order_by("-as_of", "-id")
        .values("id")[:1]
    )
    rows: dict[int, dict[str, Any]] = {}
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset : offset + CHUNK]
        partners = (
            BusinessPartner.objects.filter(id__in=chunk)
            .annotate(dataset=Subquery(current))
            .values_list("id", "customer_since", "dataset")
        )
        dataset_of: dict[int, int] = {}
        for partner_id, since, dataset in partners:
            months = (
                (before - since).days / DAYS_PER_MONTH
                if since is not None and since < before
                else None
            )
            rows[partner_id] = {"tenure_months": months, "traffic_light": "none"}
            if dataset is not None:
                dataset_of[dataset] = partner_id
        values = CustomerValueDataset.objects.filter(id__in=list(dataset_of)).values_list(
            "id", "segment_id", "customer_value", "risk_class_id", "churn_score",
            "bad_debt_score", "clv", "probability_alive", "as_of",
        )  # fmt: skip
        for dataset, segment, value, risk, churn, bad_debt, clv, alive, as_of in values:
            rows[dataset_of[dataset]].update(
                segment=segment, customer_value=value, risk_class=risk, churn_score=churn,
                bad_debt_score=bad_debt, clv=clv, probability_alive=alive,
                dataset_age_days=(before - as_of).days,
            )  # fmt: skip
        counts = customer_data_counts(
            day=day_before,
            window_days=rules.window_days,
            missed_after_days=rules.missed_after_days,
            partner_ids=chunk,
        )
        for partner_id, count in counts.items():
            rows[partner_id].update(
                late_payments=count.late_payments,
                missed_payments=count.missed_payments,
                open_complaints=count.open_complaints,
                open_major_complaints=count.open_major_complaints,
            )
        answers = NpsRecord.objects.filter(partner_id__in=chunk, recorded_at__lt=start)
        for partner_id, score in answers.order_by("partner_id", "recorded_at", "id").values_list(
            "partner_id", "score"
        ):
            rows[partner_id]["nps"] = score  # the last one before the start stays
        lights = TrafficLightChange.objects.filter(partner_id__in=chunk, changed_at__lt=start)
        for partner_id, light in lights.order_by("partner_id", "changed_at", "id").values_list(
            "partner_id", "light"
        ):
            rows[partner_id]["traffic_light"] = light
        earlier = Contact.objects.filter(
            partner_id__in=chunk, group=Contact.Group.TREATED, campaign__starts_on__lt=before
        )
        if exclude_campaign is not None:
            earlier = earlier.exclude(campaign_id=exclude_campaign)
        for row in earlier.values("partner_id").annotate(n=Count("id")).order_by():
            rows[row["partner_id"]]["earlier_campaigns"] = row["n"]
    missing = [i for i in ids if i not in rows]
    if missing:
        raise CampaignError(f"no business partner with id {missing[0]}")
    frame = pd.DataFrame([rows[i] for i in ids], index=pd.Index(ids, name="partner_id"))
    frame = frame.reindex(columns=list(FEATURES))
    for column in ("late_payments", "missed_payments", "open_complaints",
                   "open_major_complaints", "earlier_campaigns"):  # fmt: skip
        frame[column] = frame[column].fillna(0)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in CATEGORICAL:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# --- training ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignTargets:
    """A campaign's targets that were customers at its start: group and outcome per partner."""

    partner_ids: np.ndarray
    treated: np.ndarray
    retained: np.ndarray
    left_before_start: int


def campaign_targets(campaign: Campaign, *, as_of: dt.date) -> CampaignTargets:
    """Who was in which group and who was still a customer on ``as_of`` (one query)."""
    rows = (
        Contact.objects.filter(campaign=campaign)
        .order_by("partner_id")
        .values_list("partner_id", "group", "partner__left_on")
    )
    ids, treated, retained, gone = [], [], [], 0
    for partner_id, group, left_on in rows:
        if left_on is not None and left_on < campaign.starts_on:
            gone += 1
            continue
        ids.append(partner_id)
        treated.append(1 if group == Contact.Group.TREATED else 0)
        retained.append(1 if left_on is None or left_on > as_of else 0)
    return CampaignTargets(
        np.asarray(ids, dtype=np.int64),
        np.asarray(treated, dtype=np.int8),
        np.asarray(retained, dtype=np.int8),
        gone,
    )


def _check_finished(campaign: Campaign, as_of: dt.date) -> None:
    if as_of <= campaign.starts_on:
        raise CampaignError(
            _("The outcome must be measured after the campaign's start (%(day)s).")
            % {"day": campaign.starts_on}
        )
    ended = campaign.ends_on is not None and campaign.ends_on < as_of
    if not ended and campaign.active:
        raise CampaignError(
            _(
                "The campaign “%(name)s” is still running on %(day)s: an uplift model learns "
                "from a finished campaign."
            )
            % {"name": campaign.name, "day": as_of}
        )


def new_model(method: str, *, base: str = "lightgbm", random_state: int = 0, **params: Any) -> Any:
    """An unfitted estimator for ``method`` with the features of :data:`FEATURES`."""
    from tenure.analytics.uplift import ClassTransformationUplift, TwoModelUplift

    if method not in METHODS:
        raise CampaignError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    estimator = (
        TwoModelUplift if method == UpliftRun.Method.TWO_MODEL else ClassTransformationUplift
    )
    return estimator(
        base,  # type: ignore[arg-type]
        numeric=list(NUMERIC),
        categorical=list(CATEGORICAL),
        random_state=random_state,
        **params,
    )


def uplift_run_train(
    campaign: Campaign,
    *,
    method: str = UpliftRun.Method.TWO_MODEL,
    as_of: dt.date | None = None,
    base: str = "lightgbm",
    random_state: int = 0,
    started_by: str = "",
    progress: Progress | None = None,
    **params: Any,
) -> UpliftRun:
    """Learn whom the campaign moved; evaluate on held-out targets; store the run (see module)."""
    from sklearn.model_selection import train_test_split

    from tenure.analytics.uplift import evaluate, qini_coefficient, segment
    from tenure.analytics.uplift.plots import decile_figure, figure_bytes, qini_figure

    as_of = as_of or timezone.localdate()
    _check_finished(campaign, as_of)
    note = progress or (lambda _message: None)
    started = time.perf_counter()
    targets = campaign_targets(campaign, as_of=as_of)
    n = len(targets.partner_ids)
    if n == 0 or targets.treated.min() == targets.treated.max():
        raise CampaignError(
            _(
                "The campaign has %(treated)s contacted and %(control)s control targets: an "
                "uplift model needs both groups (populate with a control group share)."
            )
            % {"treated": int(targets.treated.sum()), "control": n - int(targets.treated.sum())}
        )
    note(f"features of {n} targets as of {campaign.starts_on}")
    features = uplift_features(
        targets.partner_ids.tolist(), before=campaign.starts_on, exclude_campaign=campaign.pk
    )
    t, y = targets.treated, targets.retained
    strata = 2 * t + y
    counts = np.bincount(strata, minlength=4)
    if counts.min() < 2:
        raise CampaignError(
            _(
                "Too few targets to learn from: contacted retained %(tr)s, contacted lost "
                "%(tl)s, control retained %(cr)s, control lost %(cl)s."
            )
            % {"tl": counts[2], "tr": counts[3], "cl": counts[0], "cr": counts[1]}
        )
    train, test = train_test_split(
        np.arange(n), test_size=TEST_SHARE, stratify=strata, random_state=random_state
    )
    train, test = np.sort(train), np.sort(test)
    model = new_model(method, base=base, random_state=random_state, **params)
    note(f"fitting {method} ({base}) on {len(train)} targets")
    try:
        model.fit(features.iloc[train], t[train], y[train])
    except ValueError as exc:
        raise CampaignError(str(exc)) from None
    predicted = model.predict_uplift(features.iloc[test])
    evaluation = evaluate(y[test], t[test], predicted)
    churn = features["churn_score"].iloc[test].fillna(-1).to_numpy()
    baseline = qini_coefficient(y[test], t[test], churn)
    note("scoring all targets and drawing the figures")
    everyone = model.predict_uplift(features)
    p_control = (
        model.predict_proba_control(features) if hasattr(model, "predict_proba_control") else None
    )
    segments = segment(everyone, thresholds=SEGMENT_THRESHOLDS, p_control=p_control)
    figures = {
        "qini": qini_figure(
            y[test], t[test], predicted, baseline=churn,
            model="Uplift model", baseline_name="Churn score", kind="qini",
        ),
        "uplift": qini_figure(
            y[test], t[test], predicted, baseline=churn,
            model="Uplift model", baseline_name="Churn score", kind="uplift",
        ),
        "deciles": decile_figure(y[test], t[test], predicted),
    }  # fmt: skip
    svgs = {key: figure_bytes(figure, "svg").decode() for key, figure in figures.items()}
    metrics: dict[str, Any] = {
        **evaluation.as_dict(),
        "baseline_churn_score_qini": baseline,
        "deciles": _records(evaluation.deciles),
        "segments": {key: int(value) for key, value in segments.value_counts().items()},
        "segment_thresholds": list(SEGMENT_THRESHOLDS),
        "segments_have_sure_things": p_control is not None,
        "targets": n,
        "left_before_start": targets.left_before_start,
        "train": {
            "treated": int(t[train].sum()),
            "control": int(len(train) - t[train].sum()),
            "treated_rate": float(y[train][t[train] == 1].mean()),
            "control_rate": float(y[train][t[train] == 0].mean()),
        },
        "predicted_uplift_mean": float(everyone.mean()),
        "features_before": campaign.starts_on.isoformat(),
    }
    parameters = {
        key: value
        for key, value in model.get_params().items()
        if value is None or isinstance(value, str | int | float | bool)
    }
    return UpliftRun.objects.create(
        campaign=campaign,
        method=method,
        as_of=as_of,
        features=list(FEATURES),
        parameters={**parameters, "test_share": TEST_SHARE},
        metrics=metrics,
        figures=svgs,
        artifact=_dump({"model": model, "features": list(FEATURES)}),
        rows_train=len(train),
        rows_test=len(test),
        train_seconds=round(time.perf_counter() - started, 3),
        created_by=started_by[:150],
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    def plain(value: Any) -> Any:
        if isinstance(value, np.generic):
            value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value

    return [{key: plain(value) for key, value in row.items()} for row in table.to_dict("records")]


def _dump(value: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(value, buffer, compress=3)
    return buffer.getvalue()


def uplift_run_model(run: UpliftRun) -> Any:
    """The run's fitted estimator, loaded from the database."""
    stored = joblib.load(io.BytesIO(bytes(run.artifact)))
    return stored["model"]


# --- scoring and targeting -----------------------------------------------------------------------
def uplift_scores(
    run: UpliftRun, partner_ids: Sequence[int], *, day: dt.date | None = None
) -> pd.DataFrame:
    """Predicted uplift of each partner still a customer on ``day`` (default today), from data
    up to and including that day; columns ``partner_id``, ``uplift``, highest uplift first."""
    day = day or timezone.localdate()
    ids = np.unique(np.asarray(partner_ids, dtype=np.int64))
    gone = set(
        BusinessPartner.objects.filter(id__in=ids.tolist(), left_on__lte=day).values_list(
            "id", flat=True
        )
    ) if len(ids) else set()  # fmt: skip
    ids = np.asarray([i for i in ids.tolist() if i not in gone], dtype=np.int64)
    if len(ids) == 0:
        return pd.DataFrame({"partner_id": np.array([], np.int64), "uplift": np.array([])})
    model = uplift_run_model(run)
    features = uplift_features(ids.tolist(), before=day + dt.timedelta(days=1))
    scores = pd.DataFrame({"partner_id": ids, "uplift": model.predict_uplift(features)})
    return scores.sort_values(["uplift", "partner_id"], ascending=[False, True], ignore_index=True)


def source_from_uplift(
    run: UpliftRun,
    among: TargetSource,
    *,
    top: int | None = None,
    share: float | None = None,
    day: dt.date | None = None,
    only_positive: bool = True,
) -> TargetSource:
    """The ``top`` partners (or the ``share`` of them) of ``among`` with the highest predicted
    uplift, by the run's model: the persuadables of a saved search or segment. With
    ``only_positive`` (default) partners the contact is predicted to put off or leave unmoved
    (predicted uplift ≤ 0) are never taken."""
    if (top is None) == (share is None):
        raise CampaignError(_("Give either a number of targets or a share, not both."))
    if top is not None and top < 1:
        raise CampaignError(_("The number of targets must be at least 1."))
    if share is not None and not 0 < share <= 1:
        raise CampaignError(_("The share must be above 0 and at most 1."))
    scores = uplift_scores(run, among.candidate_ids().tolist(), day=day)
    if only_positive:
        scores = scores[scores["uplift"] > 0]
    count = top if top is not None else math.ceil(len(scores) * float(share or 0))
    chosen = scores.head(count)
    size = f"top {top}" if top is not None else f"top {float(share or 0):.0%}"
    label = f"uplift run {run.pk}: {size} by predicted uplift among {among.label}"
    return TargetSource(label=label[:200], partner_ids=tuple(int(i) for i in chosen["partner_id"]))


def run_summary(run: UpliftRun) -> dict[str, Any]:
    """What the CLI prints with ``--json``: the run, its scalar metrics and its deciles."""
    metrics = run.metrics
    return {
        "run": run.pk,
        "campaign": run.campaign_id,
        "method": run.method,
        "as_of": run.as_of.isoformat(),
        "features_before": metrics.get("features_before"),
        "rows_train": run.rows_train,
        "rows_test": run.rows_test,
        "qini_coefficient": metrics.get("qini_coefficient"),
        "auuc": metrics.get("auuc"),
        "baseline_churn_score_qini": metrics.get("baseline_churn_score_qini"),
        "treated_rate": metrics.get("treated_rate"),
        "control_rate": metrics.get("control_rate"),
        "average_uplift": metrics.get("average_uplift"),
        "segments": metrics.get("segments"),
        "deciles": metrics.get("deciles"),
        "train_seconds": run.train_seconds,
    }
