"""Labels in the reader's language for the TDB keys the comparison shows. The TDB's own labels
(``taxonomy.label``) are English; these are their translations, one literal per key so the
catalogues can hold them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy

LABELS = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE": _("Animal welfare"),
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION": _("Consumer information infringements"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE": _("Cyber violence"),
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN": _("Cyber violence against women"),
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": _(
        "Data protection and privacy violations"
    ),
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": _("Illegal or harmful speech"),
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": _(
        "Intellectual property infringements"
    ),
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": _(
        "Negative effects on civic discourse or elections"
    ),
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE": _(
        "Type of alleged illegal content not specified by the notifier"
    ),
    # The TDB's label has a typographic apostrophe.
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": _(
        "Other violation of provider’s terms and conditions"  # noqa: RUF001
    ),
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": _("Protection of minors"),
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": _("Risk for public security"),
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": _("Scams and/or fraud"),
    "STATEMENT_CATEGORY_SELF_HARM": _("Self-harm"),
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS": _(
        "Unsafe, non-compliant or prohibited products"
    ),
    "STATEMENT_CATEGORY_VIOLENCE": _("Violence"),
    "SOURCE_ARTICLE_16": _("Notice submitted in accordance with Article 16 DSA"),
    "SOURCE_TRUSTED_FLAGGER": _("Notice submitted by a trusted flagger"),
    "SOURCE_TYPE_OTHER_NOTIFICATION": _("Other type of notification"),
    "SOURCE_VOLUNTARY": _("Own voluntary initiative"),
}
# The published actions (``stats.actions.ACTIONS``).
ACTION_LABELS = {
    "removed": _("Removed"),
    "disabled": _("Access disabled"),
    "restricted": _("Restricted"),
    "refused": _("Refused"),
    "no_action": _("No action"),
    "pending": _("No answer yet"),
}


def label(key: str | None) -> str:
    """A TDB key in the reader's language; an unknown key as the TDB labels it, or as is."""
    if not key:
        return "—"
    if key in LABELS:
        return str(LABELS[key])
    return taxonomy.label(key)


def action_label(action: str | None) -> str:
    return str(ACTION_LABELS.get(action or "pending", action or "—"))
