import pytest
from django.db import connections

from tenure.customervalue.models import CustomerSegment
from tests.browser.conftest import browser_test


@pytest.mark.django_db
def test_a():
    print(
        "a",
        id(connections["default"]),
        hasattr(connections["default"], "_test_serialized_contents"),
        connections["default"].settings_dict["NAME"],
    )


@browser_test
@pytest.mark.parametrize("i", [1, 2])
def test_x(i, session, make_user):
    c = connections["default"]
    print(
        i,
        id(c),
        hasattr(c, "_test_serialized_contents"),
        c.settings_dict["NAME"],
        CustomerSegment.objects.count(),
    )
