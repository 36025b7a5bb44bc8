from cinar.cases.tests.conftest import login, world  # noqa: F401  (shared fixtures)
