"""Response templates' body check: only the known placeholders, and braces that match."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from aduan.workflow.models import ResponseTemplate, validate_placeholders

BRACES_MESSAGE = (
    "The braces do not match. A placeholder needs both of its braces, as in {tracking_id}. "
    "To show a brace itself in the text, type it twice: {{ or }}."
)


@pytest.mark.parametrize(
    "body",
    [
        "Laporan {tracking_id}: {{bukan placeholder}}.",
        "Kurung kurawal: {{ dan }}.",
        "Tanpa placeholder sama sekali.",
    ],
)
def test_known_placeholders_and_doubled_braces_pass(body):
    validate_placeholders(body)


@pytest.mark.parametrize(
    "body",
    ["Halo {tracking_id", "Harga naik }", "Kurung { sendiri", "{title}}"],
)
def test_braces_that_do_not_match_are_explained(body):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_placeholders(body)
    error = caught.value
    assert error.code == "braces"
    assert error.messages == [BRACES_MESSAGE]
    # What translators get holds no brace: the braces come in as values.
    assert "{" not in str(error.message)
    assert "}" not in str(error.message)
    assert error.params == {"example": "{tracking_id}", "open": "{{", "close": "}}"}


def test_unknown_placeholders_are_named():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_placeholders("Halo {nama}, {tracking_id}")
    assert caught.value.code == "placeholders"
    assert caught.value.messages == [
        "Unknown placeholders: {nama}. Use {tracking_id}, {title}, {agency}, {category}."
    ]


@pytest.mark.django_db
def test_the_model_shows_the_message_with_its_braces_filled_in():
    template = ResponseTemplate(title="Diterima", body="Laporan {tracking_id sedang dicek.")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert caught.value.message_dict == {"body": [BRACES_MESSAGE]}
