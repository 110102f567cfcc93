"""``tenure uplift`` as an analyst runs it, on a finished campaign with a control group."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import fresh_database

ROOT = Path(__file__).resolve().parents[1]
TENURE = str(Path(sys.executable).with_name("tenure"))
SEED_CAMPAIGN = """
from tenure.cli import setup_django
setup_django()
from tenure.campaigns.tests.test_uplift import TODAY, make_base
from tenure.cli.demo_uplift import load_demo_uplift_campaign
import datetime as dt
from tenure.campaigns.models import Campaign
from tenure.reports.models import SavedSearch
campaign = load_demo_uplift_campaign(numbers=make_base(1_200), seed=5, today=TODAY)
SavedSearch.objects.create(name="At risk", criteria={"match": "all", "conditions": [
    {"field": "churn_score", "op": "between", "value": [30, None]}]})
following = Campaign.objects.create(name="Next retention", type="retention",
    starts_on=dt.date.today(), control_share=0.2)
print(campaign.pk, following.pk)
"""


@pytest.fixture(scope="module")
def tenure(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder = tmp_path_factory.mktemp("uplift")
    with fresh_database(folder, "tenure_uplift") as url:
        env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}

        def run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [TENURE, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == code, done.stdout + done.stderr
            return done

        run("migrate")
        seeded = subprocess.run([sys.executable, "-c", SEED_CAMPAIGN], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
        ids = seeded.stdout.strip().splitlines()[-1].split()
        run.campaign, run.following = ids  # type: ignore[attr-defined]
        yield run


def test_train_prints_the_held_out_metrics_and_records_a_run(tenure) -> None:
    done = tenure("uplift", "train", tenure.campaign, "--as-of", "2026-12-01", "--json")
    summary = json.loads(done.stdout)
    assert summary["method"] == "two_model" and summary["campaign"] == int(tenure.campaign)
    assert (summary["rows_train"], summary["rows_test"]) == (840, 360)
    assert summary["features_before"] == "2026-07-04" and summary["as_of"] == "2026-12-01"
    assert -1 < summary["qini_coefficient"] < 1 and summary["treated_rate"] > 0
    assert [row["decile"] for row in summary["deciles"]] == list(range(1, 11))
    assert sum(summary["segments"].values()) == 1_200

    shown = tenure("uplift", "train", "Spring retention offer (finished)", "--method",
                   "class_transformation", "--as-of", "2026-12-01").stdout  # fmt: skip
    assert "Qini coefficient" in shown and "ranking by churn score" in shown
    assert "Uplift by decile" in shown and "persuadable" in shown
    listing = tenure("uplift", "runs").stdout
    assert "two_model" in listing and "class_transformation" in listing


def test_train_refuses_what_it_cannot_learn_from(tenure) -> None:
    wrong = tenure("uplift", "train", "999", code=2)
    assert "no campaign '999'" in wrong.stderr
    early = tenure("uplift", "train", tenure.campaign, "--as-of", "2026-07-01", code=2)
    assert "after the campaign's start" in early.stderr
    bad = tenure("uplift", "train", tenure.campaign, "--method", "magic", code=2)
    assert "--method must be one of" in bad.stderr


def test_target_populates_the_next_campaign_with_the_top_by_predicted_uplift(tenure) -> None:
    run = json.loads(
        tenure("uplift", "train", tenure.campaign, "--as-of", "2026-12-01", "--json").stdout
    )["run"]
    preview = tenure("uplift", "target", str(run), tenure.following, "--search", "At risk",
                     "--top", "40", "--preview").stdout  # fmt: skip
    label = f"uplift run {run}: top 40 by predicted uplift among search: At risk: 40 partners"
    assert label in " ".join(preview.split()) and "Would add" in preview
    done = " ".join(tenure("uplift", "target", str(run), tenure.following, "--search", "At risk",
                           "--top", "40").stdout.split())  # fmt: skip
    added = re.search(r"Added (\d+) to the contacted group and (\d+) to the control group", done)
    assert added and int(added[1]) + int(added[2]) == 40 and int(added[2]) > 0
    again = " ".join(tenure("uplift", "target", str(run), tenure.following, "--search", "At risk",
                            "--top", "40").stdout.split())  # fmt: skip
    assert "already in this campaign 40" in again and "Added 0 to the contacted group" in again
    wrong = tenure("uplift", "target", str(run), tenure.following, "--top", "5", code=2)
    assert "--search NAME or --segment KEY" in wrong.stderr
