"""Adapters from the service to other frameworks (``langchain``: a caller-bound retriever)."""

__all__: list[str] = []
