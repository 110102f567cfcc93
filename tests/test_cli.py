"""The ``tenure`` command as an administrator runs it: real processes on their own database."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, fresh_database

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TENURE = str(Path(sys.executable).with_name("tenure"))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("cli"), "tenure_cli") as url:
        yield url


@pytest.fixture(scope="module")
def tenure(database_url: str):
    """Run ``tenure ARGS`` against the fresh database; returns the completed process."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TENURE_PASSWORD": "a long enough pass phrase",
        "COLUMNS": "200",
    }

    def run(*args: str, check_code: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([TENURE, *args], env=env, capture_output=True, text=True, timeout=120)
        if check_code is not None:
            assert done.returncode == check_code, done.stdout + done.stderr
        return done

    run("migrate")
    run.env = env  # type: ignore[attr-defined]
    return run


def test_migrate_again_changes_nothing(tenure) -> None:
    assert "No migrations to apply" in tenure("migrate").stdout


def test_users_and_tokens(tenure) -> None:
    assert "role agent" in tenure("user", "add", "anna", "--role", "agent").stdout
    assert "Not saved" in tenure("user", "add", "bob", "--role", "boss", check_code=2).stderr
    assert tenure("token", "create", "anna").stdout.strip().startswith("tnr_")
    assert "No user" in tenure("token", "create", "nobody", check_code=2).stderr


def test_imports_exit_codes_and_rejects_file(tenure, tmp_path: Path) -> None:
    first = tenure("import", "partners", str(SAMPLES / "partners.csv"))
    assert "accepted 8" in first.stdout
    assert "accepted 0" in tenure("import", "partners", str(SAMPLES / "partners.parquet")).stdout
    values = tenure("import", "customer-values", str(SAMPLES / "customer-values.csv"))
    assert "accepted 12" in values.stdout
    again = tenure("import", "customer-values", str(SAMPLES / "customer-values.parquet"))
    assert "accepted 0" in again.stdout and "duplicates/unchanged 12" in again.stdout

    rejects = tmp_path / "rejects.csv"
    bad = tenure("import", "customer-values", str(SAMPLES / "customer-values-with-errors.csv"),
                 "--rejects", str(rejects), check_code=3)  # fmt: skip
    assert "accepted 2" in bad.stdout and "Rejected rows" in bad.stdout
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["row"], row["column"]) for row in rows] == [
        ("3", "partner"),
        ("4", "segment"),
        ("5", "customer_value"),
        ("6", "churn_score"),
        ("7", "as_of"),
        ("8", "risk_class"),
    ]
    assert rows[0]["reason"] == "unknown business partner"


def test_unusable_file_exits_2(tenure, tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text((SAMPLES / "customer-values.csv").read_text(), encoding="utf-16")
    done = tenure("import", "customer-values", str(utf16), check_code=2)
    assert "File rejected" in done.stderr and "UTF-16" in done.stderr
    missing = tmp_path / "missing.csv"
    missing.write_text("partner,as_of\n2000001,2026-11-01\n")
    assert "missing column" in tenure("import", "customer-values", str(missing),
                                      check_code=2).stderr  # fmt: skip


def test_customer_value_command_shows_the_tile(tenure) -> None:
    tenure("import", "partners", str(SAMPLES / "partners.csv"))
    tenure("import", "customer-values", str(SAMPLES / "customer-values.csv"))
    shown = tenure("customer-value", "2000003", "--explain").stdout
    assert "Decoy offers with loyalty discounts" in shown and "discount 50.00" in shown
    assert "C01ExampleCuGu" in shown and "segment: expected A, has C" in shown
    assert "No customer value data found." in tenure("customer-value", "2000008").stdout
    tenure("customer-value", "0000", check_code=2)


def test_demo_data_is_loaded_once(tenure, tmp_path: Path) -> None:
    purchases = tmp_path / "purchases.csv"
    demo = ("demo-data", "--partners", "60", "--months", "3", "--transactions", str(purchases))
    first = tenure(*demo)
    assert "agent" in first.stdout and "admin" in first.stdout
    assert "fitted as model run 1" in " ".join(first.stdout.split())
    assert "too few customers for a churn model" in " ".join(first.stdout.split())
    assert "Demo relationships: 60 partners dated" in " ".join(first.stdout.split())
    assert "Demo notes and tasks: 4 notes, 4 tasks." in " ".join(first.stdout.split())
    rows = purchases.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "partner,date,amount" and len(rows) > 60
    again = tenure(*demo)
    assert "already" in again.stdout and "model run" not in again.stdout
    assert "Demo relationships: 0 partners dated" in " ".join(again.stdout.split())
    assert "Demo notes and tasks" not in again.stdout
    scored = tenure("clv", "score", "1").stdout
    assert "Scored 60 customers" in scored and "accepted 60," in scored


def test_serve_answers_over_http(tenure) -> None:
    tenure("import", "partners", str(SAMPLES / "partners.csv"))
    tenure("import", "customer-values", str(SAMPLES / "customer-values.csv"))
    tenure("user", "add", "crm", "--role", "agent")
    token = tenure("token", "create", "crm").stdout.strip()
    port = free_port()
    server = subprocess.Popen([TENURE, "serve", "--port", str(port)], env=tenure.env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/accounts/login/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(base + "/partners/").status_code == 302
        response = httpx.get(base + "/api/v1/partners/2000001/customer-value",
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert response.status_code == 200
        assert response.json()["dataset"]["segment"] == "A"
        assert httpx.get(base + "/api/v1/partners/2000001/customer-value").status_code == 401
        # a system without (or with a wrong) token is told to authenticate, not about CSRF
        for headers in ({}, {"Authorization": "Bearer tnr_wrong"}):
            refused = httpx.post(base + "/api/v1/customer-value-datasets", json=[], headers=headers)
            assert (refused.status_code, refused.json()["detail"]) == (
                401,
                "authentication required",
            )
        assert httpx.get(base + "/static/tenure/tenure.css").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_import_consents_reports_and_is_idempotent(tenure) -> None:
    tenure("import", "partners", str(SAMPLES / "partners.csv"))
    first = " ".join(tenure("import", "consents", str(SAMPLES / "consents.csv")).stdout.split())
    again = " ".join(tenure("import", "consents", str(SAMPLES / "consents.csv")).stdout.split())
    assert "accepted 4" in first
    assert "accepted 0" in again


def test_serve_with_workers_sends_without_waiting_for_acknowledgements(monkeypatch) -> None:
    """With workers, uvicorn binds the socket itself and asyncio leaves Nagle's algorithm on:
    ``serve_workers`` switches it off for every connection (40 ms per telephony answer)."""
    import socket

    import uvicorn
    from uvicorn import supervisors

    from tenure.cli.main import serve_workers

    accepted: list[int] = []

    class AcceptOne:  # in place of uvicorn's worker processes: accept one connection
        def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
            self.sock = sockets[0]

        def run(self) -> None:
            self.sock.listen()
            with socket.create_connection(self.sock.getsockname()):
                connection, _ = self.sock.accept()
                accepted.append(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                connection.close()
            self.sock.close()

    monkeypatch.setattr(supervisors, "Multiprocess", AcceptOne)
    serve_workers(uvicorn.Config("tenure.asgi:application", host="127.0.0.1", port=0, workers=2))
    assert accepted and accepted[0] != 0
