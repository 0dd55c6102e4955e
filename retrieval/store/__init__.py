"""All SQL of the project (being split into modules by concern)."""

from retrieval.store.documents import *  # noqa: F403
from retrieval.store.documents import __all__ as __all__
