import pytest

from povertyprog.units.loading import units_load_all


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database holds the real administrative unit trees, loaded once."""
    with django_db_blocker.unblock():
        units_load_all()
