"""Helpers the tests share; tests import from here, never from conftest."""
