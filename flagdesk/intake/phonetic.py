"""Spelling a reference or receipt code aloud, in the caller's language.

An intake officer reads the reference and receipt code to the caller once; a letter heard
wrong is a report the caller can never follow. Each language has the spelling alphabet its
speakers know (the ITU/NATO one in English, the French "Anatole, Berthe...", the Dutch
"Anton, Bernard..." and the German DIN 5009 of 2022), and its own words for the digits. This
is data in the caller's language, not interface text: it is shown whatever language the
officer's screen uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .services import LANGUAGES

# Crockford base32 (core.references.ALPHABET) has no I, L, O or U; they are listed anyway so
# a reference typed by a person still reads out.
_WORDS = {
    "en": (
        "Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike "
        "November Oscar Papa Quebec Romeo Sierra Tango Uniform Victor Whiskey X-ray Yankee Zulu"
    ),
    "fr": (
        "Anatole Berthe Célestin Désiré Eugène François Gaston Henri Irma Joseph Kléber Louis "
        "Marcel Nicolas Oscar Pierre Quintal Raoul Suzanne Thérèse Ursule Victor William "
        "Xavier Yvonne Zoé"
    ),
    "nl": (
        "Anton Bernard Cornelis Dirk Eduard Ferdinand Gerard Hendrik Izaak Johan Karel "
        "Lodewijk Maria Nico Otto Pieter Quotiënt Richard Simon Theodoor Utrecht Victor Willem "
        "Xantippe Ypsilon Zaandam"
    ),
    "de": (
        "Aachen Berlin Chemnitz Düsseldorf Essen Frankfurt Goslar Hamburg Ingelheim Jena Köln "
        "Leipzig München Nürnberg Offenbach Potsdam Quickborn Rostock Salzwedel Tübingen Unna "
        "Völklingen Wuppertal Xanten Ypsilon Zwickau"
    ),
}
LETTERS = {
    lang: dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", words.split(), strict=True))
    for lang, words in _WORDS.items()
}
DIGITS = {
    "en": "zero one two three four five six seven eight nine".split(),
    "fr": "zéro un deux trois quatre cinq six sept huit neuf".split(),
    "nl": "nul één twee drie vier vijf zes zeven acht negen".split(),
    # "zwo", not "zwei": on the phone it is never heard as "drei".
    "de": "null eins zwo drei vier fünf sechs sieben acht neun".split(),
}
# How "R as in Romeo" is said.
AS_IN = {"en": "as in", "fr": "comme", "nl": "van", "de": "wie"}
DASH = {"en": "dash", "fr": "tiret", "nl": "streepje", "de": "Strich"}


@dataclass(frozen=True)
class Spoken:
    char: str
    reading: str  # "R as in Romeo", "7 (seven)"


def spell(text: str, language: str) -> list[list[Spoken]]:
    """``text`` in groups (split at its dashes), each character with its reading aloud."""
    lang = language if language in LANGUAGES else "en"
    groups = []
    for group in text.upper().split("-"):
        spoken = []
        for char in group:
            if char.isdigit():
                spoken.append(Spoken(char, f"{char} ({DIGITS[lang][int(char)]})"))
            elif char in LETTERS[lang]:
                spoken.append(Spoken(char, f"{char} {AS_IN[lang]} {LETTERS[lang][char]}"))
            else:
                spoken.append(Spoken(char, char))
        groups.append(spoken)
    return groups
