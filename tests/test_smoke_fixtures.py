import pytest

from tests.factories import make_dataset, make_partner


@pytest.mark.django_db
def test_partner_page_shows_tile(client_as):
    partner = make_partner()
    make_dataset(partner)
    response = client_as("agent").get(f"/partners/{partner.number}/")
    assert response.status_code == 200
    assert b"Customer value and churn score" in response.content
