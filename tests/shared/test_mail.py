"""X-4: outgoing mail through a Mailer port, with templated fr/en messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core import testing
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.shared.mail import Mailer, MailMessage, MailTemplate, MailTemplateError

# Subjects and bodies are msgids that exist in the catalogues.
PLAIN = MailTemplate(name="review_invite", subject="Write a review.", body="Enter your name.")
WITH_VALUES = MailTemplate(
    name="stock_alert",
    subject="Product {sku} was not found.",
    body="Only {available} left in stock for {sku}.",
)


@pytest.mark.parametrize(
    ("locale", "language", "subject", "body"),
    [
        ("fr", "fr", "Rédigez un avis.", "Saisissez votre nom."),
        ("fr_FR", "fr", "Rédigez un avis.", "Saisissez votre nom."),
        ("fr-FR", "fr", "Rédigez un avis.", "Saisissez votre nom."),
        ("EN_gb", "en", "Write a review.", "Enter your name."),
        ("en", "en", "Write a review.", "Enter your name."),
        ("en-GB", "en", "Write a review.", "Enter your name."),
    ],
)
def test_render_plain_template(locale: str, language: str, subject: str, body: str) -> None:
    """X-4, X-2: a template renders in the recipient's (negotiated) language."""
    message = PLAIN.render("alice@example.com", locale, {})
    assert message == MailMessage(
        to="alice@example.com",
        subject=subject,
        body=body,
        locale=language,
        template="review_invite",
    )


@pytest.mark.parametrize(
    ("locale", "subject", "body"),
    [
        ("fr", "Le produit MUG-1 est introuvable.", "Il ne reste que 3 en stock pour MUG-1."),
        ("en", "Product MUG-1 was not found.", "Only 3 left in stock for MUG-1."),
    ],
)
def test_render_fills_placeholders(locale: str, subject: str, body: str) -> None:
    """X-4: placeholders are filled after translation, in subject and body."""
    assert WITH_VALUES.placeholders == {"sku", "available"}
    message = WITH_VALUES.render("bob@example.com", locale, {"sku": "MUG-1", "available": "3"})
    assert (message.subject, message.body, message.locale) == (subject, body, locale)


def test_values_are_inserted_literally() -> None:
    """X-4: a value that looks like a placeholder is not expanded again."""
    message = WITH_VALUES.render("b@example.com", "en", {"sku": "{available}", "available": "3"})
    assert message.subject == "Product {available} was not found."


@pytest.mark.parametrize(
    ("template", "values"),
    [
        (WITH_VALUES, {"sku": "MUG-1"}),  # missing
        (WITH_VALUES, {}),  # all missing
        (WITH_VALUES, {"sku": "MUG-1", "available": "3", "email": "x@y.fr"}),  # extra
        (WITH_VALUES, {"SKU": "MUG-1", "available": "3"}),  # wrong name
        (PLAIN, {"name": "Alice"}),  # extra, on a template without placeholders
    ],
    ids=["missing", "all-missing", "extra", "wrong-name", "extra-on-plain"],
)
def test_values_must_match_the_placeholders(template: MailTemplate, values: dict[str, str]) -> None:
    """X-4, ORD-3: a message holds only what it needs; a missing or extra value is an
    error, not a half-filled mail. The error names the template, never the values.
    """
    with pytest.raises(MailTemplateError) as info:
        template.render("alice@example.com", "fr", values)
    error = info.value
    assert error.code == "mail.template_values"
    assert error.details == {"template": template.name}
    assert str(error) == f"Mail template {template.name} got the wrong values."
    assert error.message("fr") == (
        f"Le modèle de message {template.name} a reçu des valeurs incorrectes."
    )
    for value in values.values():
        assert value not in str(error)
    assert "alice@example.com" not in str(error)


def test_message_repr_hides_recipient_and_body() -> None:
    """X-4: messages hold personal data; a debug print must not show it."""
    message = WITH_VALUES.render(
        "alice.secret@example.com", "en", {"sku": "MUG-1", "available": "Alice Martin"}
    )
    text = repr(message)
    assert "alice.secret@example.com" not in text
    assert "Alice Martin" not in text
    assert "to=" not in text
    assert "body=" not in text
    assert "stock_alert" in text  # the technical fields are still there for debugging
    assert message.to == "alice.secret@example.com"  # …and the data itself is intact
    assert "Alice Martin" in message.body


# ---------------------------------------------------------------- in-memory outbox


def _message(to: str, template: str = "t") -> MailMessage:
    return MailMessage(to=to, subject="S", body="B", locale="fr", template=template)


def test_outbox_records_filters_and_clears() -> None:
    """X-4: the in-memory adapter keeps what was sent, oldest first."""
    outbox = InMemoryOutbox()
    assert isinstance(outbox, Mailer)
    assert testing.InMemoryOutbox is InMemoryOutbox
    assert outbox.messages == []
    first, second, third = _message("a@x.fr", "1"), _message("b@x.fr", "2"), _message("a@x.fr", "3")
    for message in (first, second, third):
        outbox.send(message)
    assert outbox.messages == [first, second, third]
    assert outbox.to("a@x.fr") == [first, third]
    assert outbox.to("b@x.fr") == [second]
    assert outbox.to("nobody@x.fr") == []
    outbox.clear()
    assert outbox.messages == []
    assert outbox.to("a@x.fr") == []


def test_outbox_messages_is_a_copy() -> None:
    """X-4: callers cannot change what was recorded."""
    outbox = InMemoryOutbox()
    outbox.send(_message("a@x.fr"))
    outbox.messages.clear()
    assert len(outbox.messages) == 1


def test_rendered_message_goes_through_the_port() -> None:
    """X-4: render then send: the outbox holds the rendered French message."""
    outbox = InMemoryOutbox()
    mailer: Mailer = outbox
    mailer.send(PLAIN.render("alice@example.com", "fr_FR", {}))
    (sent,) = outbox.to("alice@example.com")
    assert (sent.subject, sent.locale, sent.template) == ("Rédigez un avis.", "fr", "review_invite")


@given(
    st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8),
        st.text(max_size=20),
        max_size=4,
    ),
    st.sampled_from(["fr", "en"]),
)
def test_placeholders_decide_render_or_refuse(values: dict[str, str], locale: str) -> None:
    """X-4: a template with declared placeholders renders iff the values match exactly."""
    names = sorted(values)
    template = MailTemplate(
        name="generated",
        subject="Subject " + " ".join(f"{{{name}}}" for name in names),
        body="Body",
    )
    assert template.placeholders == set(names)
    message = template.render("x@example.com", locale, values)
    assert message.subject == "Subject " + " ".join(values[name] for name in names)
    with pytest.raises(MailTemplateError):
        template.render("x@example.com", locale, {**values, "zz_extra": "1"})
