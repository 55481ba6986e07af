"""What ``flagdesk demo`` shows of the organisation's support lines: four FICTIONAL services
(names marked "demo", numbers of the 0800 00 00x form, ``*.example`` addresses), added through
the real service so the audit trail records them as a coordinator would."""

from __future__ import annotations

from flagdesk.accounts.models import User

from .services import SupportLineInput, add_support_line

ALL = ("fr", "nl", "de", "en")


def _texts(**by_language: tuple[str, str, str]) -> dict[str, dict[str, str]]:
    return {
        lang: {"name": name, "offer": offer, "hours": hours}
        for lang, (name, offer, hours) in by_language.items()
    }


DEMO_LINES = (
    SupportLineInput(
        texts=_texts(
            en=(
                "Listening line (demo)",
                "Someone to talk to, anonymously, about what happened to you online.",
                "Every day, 8:00 to 22:00",
            ),
            fr=(
                "Ligne d'écoute (démo)",
                "Quelqu'un à qui parler, anonymement, de ce qui vous est arrivé en ligne.",
                "Tous les jours, de 8 h à 22 h",
            ),
            nl=(
                "Luisterlijn (demo)",
                "Iemand om anoniem mee te praten over wat u online is overkomen.",
                "Elke dag, van 8.00 tot 22.00 uur",
            ),
            de=(
                "Zuhörtelefon (Demo)",
                "Jemand, mit dem Sie anonym darüber sprechen können, was Ihnen online passiert "
                "ist.",
                "Täglich von 8 bis 22 Uhr",
            ),
        ),
        languages=ALL,
        phone="0800 00 000",
        url="https://listening-line.example/",
    ),
    SupportLineInput(
        texts=_texts(
            en=(
                "Image abuse helpline (demo)",
                "Advice when intimate pictures are shared or used to threaten you.",
                "Monday to Friday, 9:00 to 17:00",
            ),
            fr=(
                "Aide abus d'images (démo)",
                "Des conseils quand des images intimes sont partagées ou servent à vous menacer.",
                "Du lundi au vendredi, de 9 h à 17 h",
            ),
            nl=(
                "Hulplijn beeldmisbruik (demo)",
                "Advies als intieme beelden gedeeld worden of gebruikt om u te bedreigen.",
                "Maandag tot vrijdag, van 9.00 tot 17.00 uur",
            ),
            de=(
                "Hilfe bei Bildmissbrauch (Demo)",
                "Beratung, wenn intime Bilder geteilt oder für Drohungen benutzt werden.",
                "Montag bis Freitag, 9 bis 17 Uhr",
            ),
        ),
        languages=ALL,
        phone="0800 00 001",
        url="https://image-abuse-help.example/",
        phenomena=("ncii", "sexual_deepfake", "sextortion"),
    ),
    SupportLineInput(
        texts=_texts(
            fr=(
                "Centre fictif d'aide aux victimes (démo)",
                "Un accompagnement pour porter plainte et se faire aider près de chez vous.",
                "Du lundi au vendredi, de 9 h à 16 h",
            ),
            nl=(
                "Fictief centrum voor slachtofferhulp (demo)",
                "Begeleiding om klacht in te dienen en hulp te vinden in uw buurt.",
                "Maandag tot vrijdag, van 9.00 tot 16.00 uur",
            ),
        ),
        languages=("fr", "nl"),
        phone="0800 00 003",
        url="https://victim-support.example/",
        phenomena=("cyber_harassment", "cyberstalking", "doxing", "gender_hate_speech"),
    ),
    SupportLineInput(
        texts=_texts(
            en=(
                "Child helpline (demo)",
                "Children, teenagers and parents can talk to someone about anything online.",
                "Every day, 10:00 to 20:00",
            ),
            fr=(
                "Ligne enfants (démo)",
                "Les enfants, les ados et leurs parents peuvent parler de tout ce qui se passe en "
                "ligne.",
                "Tous les jours, de 10 h à 20 h",
            ),
            nl=(
                "Kinderlijn (demo)",
                "Kinderen, jongeren en ouders kunnen over alles praten wat online gebeurt.",
                "Elke dag, van 10.00 tot 20.00 uur",
            ),
            de=(
                "Kindertelefon (Demo)",
                "Kinder, Jugendliche und Eltern können über alles reden, was online passiert.",
                "Täglich von 10 bis 20 Uhr",
            ),
        ),
        languages=ALL,
        phone="0800 00 002",
        url="https://child-helpline.example/",
        phenomena=("sextortion", "sexting_minor", "grooming", "csam", "csam_ai_generated"),
    ),
)


def load(coordinator: User) -> dict[str, int]:
    """The demo's support lines, added by the coordinator (the demo loads once, S1b)."""
    for entry in DEMO_LINES:
        add_support_line(entry, actor=coordinator)
    return {"support_lines": len(DEMO_LINES)}
