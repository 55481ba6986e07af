"""What a platform's reply says: an acknowledgement, a decision (which), a request for
information, or nothing we can tell; keyword rules in English, French, Dutch and German."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .mail import Reply

ACKNOWLEDGEMENT = "acknowledgement"
DECISION = "decision"
INFORMATION_REQUEST = "information_request"
UNKNOWN = "unknown"
_NEGATIONS = r"not|never|cannot|nicht|nie|niemals|kein\w*|niet|geen|nooit|pas|jamais|aucune?|ne"
NEGATION = re.compile(rf"\b(?:{_NEGATIONS})\b|n't|\bn'", re.IGNORECASE)
# Up to 40 characters of the same clause, holding no negation: "we have {gap} removed".
GAP = rf"(?:(?!\b(?:{_NEGATIONS})\b|n't|\bn')[^.!?;\n]){{0,40}}?"
# Up to three words, none a negation: "we have {words}removed" ("we have reviewed and removed").
WORDS = rf"(?:(?!(?:{_NEGATIONS})\b)\w+\s+){{0,3}}"
_CLAUSE_END = re.compile(r"[.!?;:,\n]")
MAX_MATCHES = 10  # per rule: a mail repeating a phrase says nothing more by it


@dataclass(frozen=True)
class Rule:
    """A phrase that signals a kind of answer. In ``pattern``, a space matches any whitespace,
    ``{gap}`` up to 40 characters and ``{words}`` up to three words, neither holding a
    negation. A match preceded by a negation in its clause ("has not been removed", "n'a pas
    été supprimé") counts for nothing, unless the rule is itself a negative statement
    (``negatable=False``: "does not violate")."""

    kind: str
    decision: str
    language: str
    pattern: str
    negatable: bool = True

    def compiled(self) -> re.Pattern[str]:
        body = self.pattern.replace(" ", r"\s+").replace("{gap}", GAP).replace("{words}", WORDS)
        return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


# One rule a line, "language pattern", under a "[kind decision]" heading; "!" after the
# decision marks statements that are negative themselves ("does not violate"), which a
# negation before them does not cancel.
RULE_TABLE = r"""
[acknowledgement]
en (?:we|we've|we have) (?:\w+ )?received your (?:report|notice|notification|complaint|message)
en thank(?:s| you) for (?:your|the) (?:report|notice|notification)
en (?:your|the) (?:report|notice|notification) (?:has been|was|is) received
en acknowledge (?:the )?receipt
fr nous avons (?:bien )?reçu votre (?:signalement|notification|message|demande|plainte)
fr (?:merci|nous vous remercions) (?:pour|de) votre (?:signalement|notification)
fr accusons (?:bonne )?réception
nl (?:wij|we) hebben uw (?:melding|kennisgeving|bericht|klacht) (?:goed )?ontvangen
nl (?:bedankt|dank u) voor uw (?:melding|kennisgeving)
nl uw (?:melding|kennisgeving) is (?:goed )?ontvangen
de wir haben ihre (?:meldung|mitteilung|nachricht|beschwerde|anfrage) erhalten
de (?:vielen )?dank für ihre (?:meldung|mitteilung)
de ihre (?:meldung|mitteilung) (?:ist|wurde) (?:bei uns )?eingegangen

[decision removed]
en (?:we|we've|we have) {words}(?:removed|deleted|taken down)
en (?:has|have|had) (?:now )?been (?:removed|deleted|taken down)
en (?:was|were) (?:removed|deleted|taken down)
fr (?:a|ont) été (?:supprimée?s?|retirée?s?)
fr nous avons (?:supprimé|retiré)
nl (?:is|zijn|werd|werden) (?:door ons )?verwijderd
nl (?:wij|we) hebben{gap} verwijderd
de (?:wurden?|haben|ist|sind){gap} (?:entfernt|gelöscht)

[decision disabled]
en (?:disabled|blocked) access
en access (?:to{gap} )?(?:has been|was|is) (?:disabled|blocked)
fr (?:désactivé|bloqué) l'accès
fr l'accès{gap} a été (?:désactivé|bloqué)
nl toegang{gap} (?:is|werd) (?:uitgeschakeld|geblokkeerd)
de (?:zugang|zugriff){gap} (?:wurde|ist) (?:gesperrt|deaktiviert)

[decision geo_blocked]
en geo-?block(?:ed|ing)?
en (?:restricted|blocked|withheld|unavailable){gap} (?:in|from) (?:your|certain|some) countr\w*
en (?:restricted|blocked|withheld|unavailable){gap} (?:in|from) (?:your|the) (?:region|jurisdiction)
en not available{gap} (?:in|from) (?:your|certain|some) (?:country|countries|region)
en (?:restricted|blocked|withheld|disabled){gap} in (?:belgium|france|germany|the netherlands)
fr géo-?bloquée?
fr (?:restreint|bloqué|indisponible|retiré)e?s?{gap} (?:dans|en) votre pays
nl geoblokk\w*
nl (?:beperkt|geblokkeerd|niet beschikbaar){gap} in uw land
de geoblock\w*
de in ihrem land{gap} (?:gesperrt|eingeschränkt|nicht verfügbar)

[decision restricted]
en restricted (?:the )?(?:visibility|access|reach)
en (?:visibility|access|reach){gap} (?:has been|was|is) (?:restricted|limited)
en age-restrict\w*
fr (?:visibilité|accès){gap} (?:a été )?(?:restreinte?|limitée?)
nl (?:zichtbaarheid|toegang){gap} (?:is|werd) beperkt
de (?:sichtbarkeit|zugang|reichweite){gap} (?:wurde|ist) eingeschränkt

[decision demoted]
en (?:demoted|down-?ranked|reduced (?:its |the )?(?:distribution|ranking))
fr (?:rétrogradée?|déclassée?|réduit (?:sa|la) (?:diffusion|visibilité))
nl (?:gedegradeerd|lager gerangschikt|minder zichtbaar gemaakt)
de (?:herabgestuft|weniger sichtbar gemacht|reichweite{gap} reduziert)

[decision account_suspended]
en (?:account|channel|profile){gap} (?:has been|was|is) (?:suspended|terminated|banned)
en (?:suspended|terminated|banned) (?:the )?(?:account|channel|user|profile)
fr (?:compte|chaîne|profil){gap} (?:a été )?(?:suspendu|fermé|banni)e?
nl (?:account|kanaal|profiel){gap} (?:is|werd) (?:opgeschort|geschorst|geblokkeerd)
de (?:konto|account|kanal|profil){gap} (?:wurde|ist) (?:gesperrt|suspendiert)

[decision refused !]
en (?:does|do|did)(?: not|n't) (?:appear to )?(?:violate|breach|contravene|infringe)
en (?:does|do|did)(?: not|n't) go against
en (?:is|was|are)(?: not|n't) (?:in violation|illegal|unlawful|in breach)
en (?:found|find) no (?:violation|breach)
en (?:decided|decide|will|won't|are) not (?:to )?(?:remove|take (?:it|this|the content) down)
fr n'(?:enfreint|viole|contrevient) pas
fr ne (?:viole|contrevient|enfreint) pas
fr n'est pas (?:illicite|illégale?|contraire)
fr (?:décidé|décidons) de ne pas (?:le |la |les )?(?:supprimer|retirer)
nl niet in strijd
nl geen (?:schending|inbreuk|overtreding)
nl besloten{gap} niet te verwijderen
de (?:verstößt|verstoßen) nicht
de (?:liegt|besteht) kein (?:verstoß|rechtsverstoß)
de nicht rechtswidrig
de entschieden{gap} nicht zu (?:entfernen|löschen)

[decision no_action !]
en no (?:further )?action (?:will be|was|has been|is being|is) taken
en (?:we|we've|we have) taken no action
en (?:will|did)(?: not|n't) take (?:any )?action
fr aucune (?:mesure|action) (?:ne sera|n'a été|n'est) prise
nl geen (?:actie|maatregelen) (?:ondernomen|nemen|genomen)
de keine (?:maßnahmen|schritte) (?:ergriffen|ergreifen|einleiten)

[information_request]
en (?:we|we'll|we will) need (?:some )?(?:more|additional|further) (?:information|details)
en please (?:provide|send us|specify|clarify)
en (?:could|can|would) you (?:please )?(?:provide|send|clarify|specify)
fr veuillez (?:nous )?(?:fournir|préciser|indiquer|transmettre|communiquer)
fr besoin (?:de plus |d'|de )(?:informations|précisions|détails)
nl gelieve{gap} (?:te bezorgen|door te geven|te verstrekken|te sturen)
nl (?:meer|aanvullende|extra) (?:informatie|gegevens) nodig
de bitte{gap} (?:angeben|mitteilen|übermitteln|nennen|zusenden|nachreichen)
de bitte (?:geben|teilen|senden|nennen) sie{gap} (?:an|mit|zu)
de (?:benötigen|brauchen) (?:wir )?(?:weitere|zusätzliche|mehr) (?:informationen|angaben)
"""


def parse_rule_table(table: str) -> list[Rule]:
    """``RULE_TABLE`` as ``Rule`` objects; a line that is not a rule raises at import."""
    found: list[Rule] = []
    kind, decision, negatable = "", "", True
    for line in table.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            kind, _sep, rest = line.strip("[]").partition(" ")
            decision, negatable = rest.removesuffix("!").strip(), not rest.endswith("!")
            continue
        language, _sep, pattern = line.partition(" ")
        if kind not in (ACKNOWLEDGEMENT, DECISION, INFORMATION_REQUEST) or not pattern:
            raise ValueError(f"not a rule: {line!r}")
        found.append(Rule(kind, decision, language, pattern, negatable))
    return found


RULES: list[Rule] = parse_rule_table(RULE_TABLE)
# When two decisions are found, a more specific one absorbs those it refines.
REFINES = {"geo_blocked": {"restricted", "disabled", "removed"}}
# Quoted earlier mails (ours, mostly) must not be read as the platform's words.
_QUOTE_START = re.compile(
    r"^(?:-{2,} ?(?:original message|message d'origine|oorspronkelijk bericht|"
    r"ursprüngliche nachricht)|on .{1,200} wrote:|le .{1,200} a écrit ?:|"
    r"op .{1,200} schreef .{0,200}:|am .{1,200} schrieb .{0,200}:|from: .*)\s*$",
    re.IGNORECASE,
)
_COMPILED = [(rule, rule.compiled()) for rule in RULES]


@dataclass(frozen=True)
class Classification:
    kind: str = UNKNOWN
    decision: str = ""
    confidence: str = "low"
    evidence: str = ""


@dataclass(frozen=True)
class _Signal:
    kind: str
    decision: str
    start: int
    end: int
    evidence: str


def own_words(text: str) -> str:
    """``text`` without quoted lines, and without everything after a reply header."""
    kept = []
    for line in text.split("\n"):
        stripped = line.strip()
        if _QUOTE_START.match(stripped):
            break
        if not stripped.startswith(">"):
            kept.append(line)
    return "\n".join(kept)


def _negated(text: str, start: int) -> bool:
    clause = _CLAUSE_END.split(text[max(0, start - 60) : start])[-1]
    return bool(NEGATION.search(clause))


def _signals(text: str) -> list[_Signal]:
    found = []
    for rule, pattern in _COMPILED:
        for count, m in enumerate(pattern.finditer(text)):
            if count >= MAX_MATCHES:
                break
            if rule.negatable and _negated(text, m.start()):
                continue
            evidence = " ".join(m.group(0).split())[:120]
            found.append(_Signal(rule.kind, rule.decision, m.start(), m.end(), evidence))

    # A match inside a longer one is the same statement read more loosely ("restricted
    # access in your country" is one geo-block, not also a restriction).
    def inside_another(s: _Signal) -> bool:
        return any(
            o.start <= s.start and s.end <= o.end and o.end - o.start > s.end - s.start
            for o in found
        )

    return sorted((s for s in found if not inside_another(s)), key=lambda s: s.start)


def classify(reply: Reply) -> Classification:
    """A guess at what the reply says, for an analyst to confirm. ``high`` confidence only
    when one kind of answer (and for a decision, one decision) was found; a decision wins
    over an acknowledgement in the same mail, but conflicts with a request for information."""
    text = f"{reply.subject}\n{own_words(reply.text)}".replace("\u2019", "'")
    signals = _signals(text)
    if not signals:
        return Classification()
    decisions = {s.decision for s in signals if s.kind == DECISION}
    for specific, general in REFINES.items():
        if specific in decisions:
            decisions -= general
    requests = [s for s in signals if s.kind == INFORMATION_REQUEST]
    if decisions:
        first = next(s for s in signals if s.kind == DECISION and s.decision in decisions)
        confidence = "high" if len(decisions) == 1 and not requests else "low"
        return Classification(DECISION, first.decision, confidence, first.evidence)
    first = requests[0] if requests else signals[0]
    return Classification(first.kind, "", "high", first.evidence)
