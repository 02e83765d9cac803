"""Importing targets from CSV in the console: checked in full, then all or nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from campaign.extensions import db
from campaign.targets.models import ImportStatus, Target, TargetImport, TargetList
from tests.conftest import csrf_token
from tests.support.factories import AccountFactory, TargetFactory
from tests.support.files import TARGETS_HEADER as HEADER
from tests.support.files import upload_targets as upload
from tests.support.web import sign_in


@pytest.fixture
def coordinator(client):
    account = AccountFactory(email="kim@coalition.example.org")
    sign_in(client, account.email)
    return account


def targets() -> int:
    return db.session.scalar(select(func.count()).select_from(Target))


def test_a_checked_file_is_previewed_then_imported_into_a_list(client, coordinator):
    TargetFactory(email="delgado@senate.example.gov", name="Old Name")
    content = (
        HEADER + "Sen. Maria Delgado,Chair,U.S. Senate,delgado@senate.example.gov,NM,\n"
        "Rep. Jordan Ellis,Member,U.S. House,ellis@house.example.gov,TX,TX-21\n"
    )
    response = upload(client, content.encode(), list_name="Appropriations")
    assert response.status_code == 303
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 new target, 1 to update" in preview and "Rep. Jordan Ellis" in preview
    assert targets() == 1  # nothing imported before the coordinator confirms

    job = db.session.scalar(select(TargetImport))
    done = client.post(
        f"/console/targets/import/{job.id}/confirm",
        data={"csrf_token": csrf_token(client, response.headers["Location"])},
    )
    assert done.status_code == 303
    assert "Done: 2 targets imported." in client.get(done.headers["Location"]).get_data(
        as_text=True
    )
    assert targets() == 2
    delgado = db.session.scalar(select(Target).where(Target.email == "delgado@senate.example.gov"))
    db.session.refresh(delgado)
    assert delgado.name == "Sen. Maria Delgado" and delgado.state == "NM"
    target_list = db.session.scalar(select(TargetList).where(TargetList.name == "Appropriations"))
    assert len(target_list.targets) == 2
    listed = client.get(f"/console/targets?list={target_list.id}").get_data(as_text=True)
    assert "Rep. Jordan Ellis" in listed
    again = client.post(
        f"/console/targets/import/{job.id}/confirm",
        data={"csrf_token": csrf_token(client, "/console/targets")},
    )
    assert again.status_code == 409


def test_one_bad_row_means_nothing_is_imported(client, coordinator):
    content = HEADER + "Good,T,O,good@x.gov,,\nBad,T,O,nope,,\nAlso,T,O,also@x.gov,ZZ,\n"
    response = upload(client, content.encode())
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 3: The email address" in page and "Line 4:" in page
    assert targets() == 0
    assert db.session.scalar(select(TargetImport.status)) == ImportStatus.INVALID


def test_a_file_in_the_wrong_encoding_gets_a_clear_message(client, coordinator):
    response = upload(client, (HEADER + "José,T,O,j@x.gov,,\n").encode("utf-16"))
    assert response.status_code == 400
    assert "CSV UTF-8" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TargetImport)) == 0


def test_wrong_columns_are_reported(client, coordinator):
    response = upload(client, b"full name,email\nA,a@x.gov\n")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Missing: name, title, office." in page and targets() == 0


def test_no_file_gets_a_message(client, coordinator):
    response = client.post(
        "/console/targets/import",
        data={"csrf_token": csrf_token(client, "/console/targets/import")},
    )
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_a_hundred_thousand_rows_are_checked_and_imported_by_the_worker(worker_app):
    client = worker_app.test_client()
    AccountFactory(email="kim@coalition.example.org")
    sign_in(client, "kim@coalition.example.org")
    rows = "".join(
        f"Member {n},Member,State House,m{n}@house.example.gov,CA,\n" for n in range(100_000)
    )
    response = upload(client, (HEADER + rows).encode())
    assert response.status_code == 303  # the request does not wait for the check
    job_id = db.session.scalar(select(TargetImport.id))

    def wait_for(status: ImportStatus, timeout: float = 120) -> TargetImport:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            db.session.expire_all()
            job = db.session.get(TargetImport, job_id)
            if job.status == status:
                return job
            assert job.status not in (ImportStatus.INVALID, ImportStatus.FAILED), job.problems
            time.sleep(0.5)
        raise AssertionError(f"import never reached {status}")

    job = wait_for(ImportStatus.READY)
    assert job.summary["new"] == 100_000
    page = response.headers["Location"]
    client.post(f"{page}/confirm", data={"csrf_token": csrf_token(client, page)})
    wait_for(ImportStatus.DONE)
    assert targets() == 100_000


def test_a_target_is_added_edited_and_removed_in_the_console(client, coordinator):
    response = client.post(
        "/console/targets/new",
        data={
            "name": "Sen. Maria Delgado",
            "title": "Chair",
            "office": "U.S. Senate",
            "email": "Delgado@Senate.example.gov",
            "state": "nm",
            "csrf_token": csrf_token(client, "/console/targets/new"),
        },
    )
    assert response.status_code == 303
    target = db.session.scalar(select(Target))
    assert (target.email, target.state) == ("delgado@senate.example.gov", "NM")
    TargetFactory(email="taken@house.example.gov")
    page = f"/console/targets/{target.id}/edit"
    clash = client.post(
        page,
        data={
            "name": "Sen. Maria Delgado",
            "title": "Chair",
            "office": "U.S. Senate",
            "email": "taken@house.example.gov",
            "csrf_token": csrf_token(client, page),
        },
    )
    assert clash.status_code == 400
    assert "Another target already has this email address." in clash.get_data(as_text=True)
    confirm = client.get(f"/console/targets/{target.id}/delete")
    assert "Remove Sen. Maria Delgado?" in confirm.get_data(as_text=True)
    client.post(
        f"/console/targets/{target.id}/delete",
        data={"csrf_token": csrf_token(client, "/console/targets")},
    )
    assert (
        db.session.scalar(select(func.count()).select_from(Target).where(Target.id == target.id))
        == 0
    )
