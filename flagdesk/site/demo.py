"""``flagdesk demo``: fictional demo data, loaded through the real services (idempotent).

Everything goes through the same services the web and the API use (add_user, add_platform,
submit_report, submit_assessment, review_assessment, queue_notices, record_response), so the
demo shows real states and writes real events and audit entries. All names, hosts and texts are
fictional: platforms live under ``.example`` (reserved, never resolves) and reports describe
content neutrally. ``make run`` calls this on every start, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flagdesk.accounts.models import Role
from flagdesk.core import taxonomy

ORG_NAME = "Institut fictif pour l'égalité (démo)"
ORG_EMAIL = "flagger@demo-flagdesk.example"
DESIGNATED_ON = dt.date(2026, 7, 3)
# When the demo's content was posted: the date of the facts picks the legal texts in force
# (the 1867 Criminal Code's numbering, before the new code took effect).
FACTS_ON = dt.date(2026, 8, 24)
EQUALITY_PHENOMENA = (
    "gender_hate_speech",
    "incitement_violence_gender",
    "ncii",
    "sexual_deepfake",
    "cyber_harassment",
    "cyberstalking",
    "cyberflashing",
    "doxing",
    "sextortion",
)
# username -> role; the test personas of conftest.py, so the demo matches what tests call them.
PERSONAS = {
    "alice": Role.ANALYST,
    "bob": Role.REVIEWER,
    "carol": Role.COORDINATOR,
    "dave": Role.INTAKE,
    "erin": Role.ADMIN,
    "frank": Role.AUDITOR,
    "pat": Role.PARTNER,
}
# The demo's analysts work for a hotline too: its cases involving minors are theirs to see.
MINORS_CLEARED = frozenset({Role.ANALYST, Role.REVIEWER, Role.COORDINATOR})
# The demo's one decided notice is settled without a mail: its outbox row says so.
DEMO_WORKER = "demo"
DEMO_DELIVERY = "demo: recorded as sent; no mail left this machine"
# The marker: both exist only after a complete load (the load is one transaction).
MARKER_USER, MARKER_PLATFORM = "alice", "Chirp"


def demo_password(username: str) -> str:
    return f"demo-{username}-2026"


# Demo accounts come with an authenticator already set up, so the demo works in two
# commands; its devices carry this name, and only they give codes on the command line.
DEMO_DEVICE = "demo authenticator"


def demo_totp_key(username: str) -> str:
    """A demo user's authenticator secret (hex): public by design, like the demo passwords."""
    import hashlib

    return hashlib.sha256(f"flagdesk demo authenticator {username}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class DemoPlatform:
    name: str
    domain: str
    languages: tuple[str, ...]
    is_vlop: bool = False
    accepts_hash_matching: bool = False


PLATFORMS = (
    DemoPlatform("Chirp", "chirp.example", ("en", "fr", "nl", "de"), is_vlop=True),
    DemoPlatform("PhotoGram", "photogram.example", ("en", "nl"), is_vlop=True),
    DemoPlatform("ClipTube", "cliptube.example", ("en", "de")),
    DemoPlatform("Threadly", "threadly.example", ("de", "en")),
    DemoPlatform("FaceSpace", "facespace.example", ("fr", "en"), is_vlop=True),
    DemoPlatform("PinBoard", "pinboard.example", ("en",)),
    DemoPlatform("ForumHub", "forumhub.example", ("nl", "fr")),
    DemoPlatform(
        "Snapchatter", "snapchatter.example", ("fr", "nl", "de", "en"), accepts_hash_matching=True
    ),
)


@dataclass(frozen=True)
class DemoReport:
    """One fictional report and how far the demo takes its first item."""

    urls: tuple[str, ...]
    phenomenon: str
    language: str
    role: str
    # new|awaiting_review|sent_back|approved|not_illegal|notified (queued)|removed
    outcome: str
    facts: str
    reporter: tuple[str, str, str] | None = None  # (name, email, phone); None = anonymous
    age_band: str = ""
    gender: str = ""
    by_phone: bool = False
    # What the analyst sees at the URL (an API alias: image, video, text...); the assessment
    # records it, and the notice tells the platform. Not the phenomenon's default: a deepfake
    # may be a picture or a video.
    content_type: str = "text"
    # The analyst's judgement that the person depicted or targeted appears to be a minor.
    minor: bool = False
    # Art. 16(2)(b) identifiers the analyst recorded: (post id, account).
    identifiers: tuple[str, str] | None = None
    # Reasons written in the platform's notice language; empty: the English demo text.
    reasons: str = ""


_R = DemoReport
# One report per entry; a table reads better here than one argument per line.
# fmt: off
REPORTS = (
    _R(("https://chirp.example/demo_account/status/1001",), "gender_hate_speech", "fr", "witness",
       "new", "a public post insults a named woman because of her gender."),
    _R(("https://photogram.example/p/demo-1002",), "ncii", "nl", "victim", "notified",
       "a post shares a private photo without consent.",
       ("Lotte Voorbeeld", "lotte@mail.example", ""), "25-34", "female", content_type="image",
       identifiers=("demo-1002", "@demo_sharer")),
    _R(("https://cliptube.example/watch?v=demo1003",), "sexual_deepfake", "en", "victim",
       "approved", "a video presents a manipulated intimate image of the reporter.",
       ("Jane Sample", "jane.sample@mail.example", ""), "18-24", "female", content_type="video"),
    _R(("https://threadly.example/t/demo-1004",), "doxing", "de", "victim", "awaiting_review",
       "a thread publishes the reporter's home address and phone number.",
       ("Erika Muster", "", "+32 2 000 00 00"), "35-49", "female", by_phone=True),
    _R(("https://facespace.example/posts/demo-1005",), "cyber_harassment", "fr", "parent",
       "sent_back", "an account posts hostile comments under every photo of the reporter's child.",
       None, "18-24", "female"),
    _R(("https://pinboard.example/pin/demo-1006",), "cyberstalking", "en", "professional",
       "awaiting_review", "a board collects photos and location check-ins of one person.",
       ("Sam Example", "sam@support.example", ""), "25-34", "female", content_type="image"),
    _R(("https://forumhub.example/thread/demo-1007",), "incitement_violence_gender", "nl",
       "witness", "notified", "a thread calls on readers to attack women speaking at an event.",
       identifiers=("post-88213", "demo_agitator"),
       reasons="Fictieve demobeoordeling. De draad roept lezers op om vrouwen die op een "
       "evenement spreken aan te vallen, en noemt de datum en de plaats van dat evenement. Dat "
       "is een openbare oproep tot geweld tegen personen omwille van hun geslacht: elk "
       "bestanddeel van het misdrijf is vervuld. Er is geen echte persoon betrokken; deze "
       "tekst toont alleen de werkwijze."),
    _R(("https://snapchatter.example/story/demo-1008",), "sextortion", "en", "victim", "removed",
       "an account threatens to share private images unless the reporter pays.",
       ("Alex Demo", "alex.demo@mail.example", ""), "18-24", "male", content_type="image",
       reasons="Évaluation fictive de démonstration. Le compte menace de diffuser des images "
       "intimes de la personne si elle ne paie pas, et en montre une pour prouver qu'il les "
       "détient. Menacer de révéler des images intimes pour obtenir de l'argent réunit chaque "
       "élément de l'infraction, et la diffusion se fait sans consentement. Aucune personne "
       "réelle n'est concernée; ce texte ne montre que le déroulement."),
    _R(("https://chirp.example/demo_other/status/1009",), "cyberflashing", "de", "victim", "new",
       "an account sends unsolicited sexual images in replies to the reporter.",
       None, "25-34", "female", content_type="image"),
    _R(("https://unknown-board.example/t/1",), "gender_hate_speech", "fr", "witness", "new",
       "a message board not yet in the platform registry hosts a sexist post."),
    _R(("https://photogram.example/p/demo-1011",
        "https://cliptube.example/watch?v=demo1011&utm_source=share"), "ncii", "fr", "victim",
       "new", "the same private recording is shared on two platforms without consent.",
       ("Camille Exemple", "camille@mail.example", ""), "25-34", "non_binary",
       content_type="video"),
    _R(("https://forumhub.example/thread/demo-1012",), "gender_hate_speech", "en", "witness",
       "not_illegal", "a post criticises a gender-equality policy in strong but lawful terms."),
    # The picture of demo-1008 again, resized and re-compressed: matched by its PDQ hash.
    _R(("https://chirp.example/demo_reuploader/status/1013",), "sextortion", "en", "victim",
       "new", "the same private image as before, posted again by another account.",
       ("Alex Demo", "alex.demo@mail.example", ""), "18-24", "male", content_type="image"),
    # A minor targeted: child-protection keywords, no media kept, the case marked.
    _R(("https://snapchatter.example/story/demo-1014",), "sextortion", "en", "parent",
       "awaiting_review", "an account demands money from a 15-year-old boy, threatening to "
       "send a private picture of him to his classmates.", None, "13-17", "male", minor=True),
    # A second report of the first URL (tracking parameter aside) joins its open item.
    _R(("https://chirp.example/demo_account/status/1001?utm_campaign=demo",),
       "gender_hate_speech", "en", "witness", "new", "the same post, seen by someone else."),
)
# fmt: on


def demo_basis(phenomenon: taxonomy.Phenomenon) -> taxonomy.LegalBasis:
    """The phenomenon's first national basis in force on the demo's date of the facts,
    preferring one that needs no coordinator's confirmation (so its notice may go out)."""
    national = [b for b in phenomenon.bases_in_force(FACTS_ON) if not b.is_context_only]
    return next((b for b in national if not b.verify), national[0])


def demo_reasons(report: DemoReport, basis: taxonomy.LegalBasis) -> str:
    return (
        f"Fictional demo assessment. Facts: {report.facts} The analyst opened the page and "
        f"confirmed the facts described by the reporter. Legal qualification: "
        f"{basis.label('en')}. "
        "Each element is met: the content is publicly accessible in Belgium, it concerns an "
        "identifiable person, and that person did not agree to it. No real person is involved; "
        "this text only shows the workflow."
    )
