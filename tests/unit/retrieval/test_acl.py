"""Access rules: document access lists, principals, account visibility, empty lists."""

from __future__ import annotations

import pytest

from retrieval.acl import (
    DocumentAccess,
    account_visible,
    principals_for_user,
    require_principals,
)
from retrieval.errors import RetrievalError


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        (DocumentAccess("u1", "t1", "private"), {"role:admin", "owner:u1"}),
        (DocumentAccess("u1", "t1", "team"), {"role:admin", "owner:u1", "team:t1"}),
        (DocumentAccess("u1", None, "team"), {"role:admin", "owner:u1"}),
        (DocumentAccess("u1", "t1", "org"), {"role:admin", "owner:u1", "org"}),
        (
            DocumentAccess("u1", "t1", "private", ("u2", "team:t9")),
            {"role:admin", "owner:u1", "user:u2", "team:t9"},
        ),
    ],
)
def test_document_access_lists(access: DocumentAccess, expected: set[str]) -> None:
    assert set(access.to_acl()) == expected


def test_document_access_rejects_unknown_visibility() -> None:
    with pytest.raises(ValueError, match="'everyone'"):
        DocumentAccess("u1", None, "everyone")


def test_principals() -> None:
    assert principals_for_user(user_id="m", role="manager", team_id="t", reports=["r1", "r2"]) == {
        "org",
        "user:m",
        "owner:m",
        "owner:r1",
        "owner:r2",
        "team:t",
    }
    assert "role:admin" in principals_for_user(user_id="a", role="admin", team_id=None, reports=[])
    # A user id that looks like a team cannot become a team principal.
    assert "team:x" not in principals_for_user(
        user_id="team:x", role="rep", team_id=None, reports=[]
    )


@pytest.mark.parametrize(
    ("acl", "has_document", "expected"),
    [
        ({"owner:u1", "user:u1", "org"}, False, True),  # the owner
        ({"owner:m", "owner:u1", "user:m"}, False, True),  # a manager above the owner
        ({"role:admin", "owner:a"}, False, True),  # an admin
        ({"owner:u2", "user:u2", "org"}, True, True),  # sees one of its documents
        ({"owner:u2", "user:u2", "org"}, False, False),  # sees none of it
        ({"user:u1"}, False, False),  # a share is not ownership
    ],
)
def test_account_visible(acl: set[str], has_document: bool, expected: bool) -> None:
    assert (
        account_visible(
            acl=frozenset(acl), owner_id="u1", has_visible_document=lambda: has_document
        )
        is expected
    )


def test_account_visible_asks_for_documents_only_when_ownership_does_not_decide() -> None:
    asked: list[bool] = []

    def has_document() -> bool:
        asked.append(True)
        return False

    assert account_visible(
        acl=frozenset({"owner:u1"}), owner_id="u1", has_visible_document=has_document
    )
    assert account_visible(
        acl=frozenset({"role:admin"}), owner_id="u1", has_visible_document=has_document
    )
    assert asked == []
    assert not account_visible(
        acl=frozenset({"org"}), owner_id="u1", has_visible_document=has_document
    )
    assert asked == [True]


def test_an_empty_access_list_is_refused_never_read_as_no_filter() -> None:
    with pytest.raises(RetrievalError, match="at least one principal"):
        require_principals(frozenset())
    assert require_principals(frozenset({"user:b", "org"})) == ["org", "user:b"]
