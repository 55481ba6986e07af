"""Reading platforms' replies: parsing hostile mail, finding the notice, classifying the answer.

Every mail here is built the way a platform (or an attacker) could send it; no database.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from flagdesk.core.references import new_reference
from flagdesk.notices.models import NoticeResponse
from flagdesk.notices.replies import (
    MAX_TEXT,
    NOTICE_REFERENCE,
    RULES,
    Reply,
    classify,
    html_to_text,
    imap_url_config,
    imap_utf7,
    notice_references,
    parse_reply,
    parse_rule_table,
)

REF = "N-7KQ3-M9XD"
OUR_ID = f"<{REF}.0123456789ab@stopcv.test>"


def reply_mail(body: str = "Thank you.", *, subject: str = f"Re: Notice {REF}", **headers):
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Trust & Safety <Abuse@Social.TEST>")
    message["To"] = "notices@stopcv.test"
    message["Subject"] = subject
    message["Date"] = "Tue, 03 Mar 2026 10:15:00 +0100"
    message["Message-ID"] = "<reply-1@social.test>"
    message["In-Reply-To"] = OUR_ID
    message["References"] = f"<older@stopcv.test> {OUR_ID}"
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def raw_mail(headers: str, body: bytes) -> bytes:
    """A mail written byte by byte, for what EmailMessage refuses to build."""
    return headers.replace("\n", "\r\n").encode("ascii", "surrogateescape") + b"\r\n" + body


# --- Parsing ---------------------------------------------------------------------------------


def test_a_plain_reply_is_read_into_its_facts():
    reply = parse_reply(bytes(reply_mail("We have received your report.\n\nKind regards")))

    assert reply.message_id == "<reply-1@social.test>"
    assert reply.from_address == "abuse@social.test"
    assert reply.from_domain == "social.test"
    assert reply.subject == f"Re: Notice {REF}"
    assert reply.date == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
    assert reply.in_reply_to == OUR_ID
    assert reply.references == ("<older@stopcv.test>", OUR_ID)
    assert reply.text == "We have received your report.\n\nKind regards"
    assert (reply.truncated, reply.oversize, reply.problems) == (False, False, ())


def test_encoded_headers_are_decoded_to_one_line():
    message = reply_mail(subject="Réponse : notification N-7KQ3-M9XD reçue")
    reply = parse_reply(bytes(message))
    assert reply.subject == "Réponse : notification N-7KQ3-M9XD reçue"
    assert b"=?utf-8?" in bytes(message)  # it really went through an encoded-word


def test_an_encoded_line_break_cannot_add_a_header_or_a_line():
    raw = raw_mail(
        "From: abuse@social.test\n"
        "Subject: =?utf-8?q?Decision=0D=0ABcc:_victim@mail.test=0AX-Evil:_1?=\n"
        "Message-ID: <a@social.test>\n",
        b"Removed.\r\n",
    )
    reply = parse_reply(raw)
    assert reply.subject == "Decision Bcc: victim@mail.test X-Evil: 1"
    assert "\n" not in reply.subject and "\r" not in reply.subject


def test_the_sender_address_comes_from_the_header_not_from_an_encoded_display_name():
    # The display name decodes to "abuse@social.test <abuse@social.test>", the address is not.
    raw = raw_mail(
        "From: =?utf-8?q?abuse=40social.test_=3Cabuse=40social.test=3E?= <x@attacker.test>\n"
        "Subject: Removed\n",
        b"We removed it.\r\n",
    )
    reply = parse_reply(raw)
    assert reply.from_address == "x@attacker.test"
    assert reply.from_domain == "attacker.test"


def test_a_missing_or_broken_from_leaves_it_empty():
    assert parse_reply(raw_mail("Subject: x\n", b"x")).from_address == ""
    reply = parse_reply(raw_mail("From: not an address\nSubject: x\n", b"x"))
    assert (reply.from_address, reply.from_domain) == ("", "")
    assert any("From" in p for p in reply.problems)


def test_a_bad_date_is_none_and_a_date_without_zone_is_utc():
    assert parse_reply(bytes(reply_mail(Date="yesterday at noon"))).date is None
    reply = parse_reply(bytes(reply_mail(Date="Tue, 03 Mar 2026 10:15:00 -0000")))
    assert reply.date == datetime(2026, 3, 3, 10, 15, tzinfo=UTC)


def test_html_is_read_as_text_without_scripts_styles_or_tags():
    html = (
        "<html><head><title>T</title><style>p { color: red }</style>"
        "<script>alert('x')</script></head><body>"
        '<p onclick="steal()">The content has been <b>removed</b>&nbsp;&amp; logged.</p>'
        "<!-- a comment --><script type='text/javascript'>document.cookie</script>"
        "<div>Case&#32;1234</div><img src=x onerror=alert(1)></body></html>"
    )
    message = reply_mail()
    message.set_content(html, subtype="html")
    reply = parse_reply(bytes(message))
    assert reply.text == "The content has been removed & logged.\n\nCase 1234"
    for leftover in ("<", ">", "alert", "cookie", "color", "steal", "comment", "onerror"):
        assert leftover not in reply.text


def test_an_unclosed_script_hides_the_rest_instead_of_showing_code():
    assert html_to_text("Visible<script>var secret = 1;").strip() == "Visible"


def test_malformed_html_declarations_do_not_raise():
    problems: list[str] = []
    text = html_to_text("<![if !supportLists]>Removed<![endif]><!DOCTYPE", problems)
    assert "Removed" in text


def test_plain_text_is_preferred_over_html():
    message = reply_mail("Plain words.")
    message.add_alternative("<p>HTML words.</p>", subtype="html")
    assert parse_reply(bytes(message)).text == "Plain words."


def test_attachments_are_not_read_as_the_reply():
    message = reply_mail("Our answer.")
    message.add_attachment(b"we removed everything", maintype="text", subtype="plain")
    assert parse_reply(bytes(message)).text == "Our answer."


def test_malformed_mime_is_read_as_far_as_possible_and_noted():
    raw = raw_mail(
        "From: abuse@social.test\nSubject: broken\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b1"\n',
        b"--b1\r\nContent-Type: text/plain\r\n\r\nThe content was removed.\r\n"
        b"--b1\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64!!!\r\n",  # and the closing boundary never comes
    )
    reply = parse_reply(raw)
    assert "The content was removed." in reply.text
    assert any("Malformed MIME" in p for p in reply.problems)


def test_a_multipart_without_its_boundary_does_not_raise():
    raw = raw_mail(
        "From: abuse@social.test\nContent-Type: multipart/alternative\n", b"just text\r\n"
    )
    reply = parse_reply(raw)
    assert reply.from_address == "abuse@social.test"
    assert any("Malformed MIME" in p for p in reply.problems)


def nested(depth: int, text: str) -> bytes:
    inner = EmailMessage()
    inner.set_content(text)
    for level in range(depth):
        outer = EmailMessage()
        outer.make_mixed()
        outer.set_boundary(f"level-{level}")
        outer.attach(inner)
        inner = outer
    inner["From"] = "abuse@social.test"
    inner["Subject"] = "deep"
    return bytes(inner)


def test_text_a_hundred_multiparts_deep_is_found():
    reply = parse_reply(nested(100, "Deep down: the content has been removed."))
    assert reply.text == "Deep down: the content has been removed."
    assert reply.subject == "deep"


def nested_raw(depth: int, text: str) -> bytes:
    """Like ``nested``, written directly: the email package cannot even serialise this."""
    opening = [
        f'--b{n}\r\nContent-Type: multipart/mixed; boundary="b{n + 1}"\r\n\r\n'
        for n in range(depth)
    ]
    closing = [f"\r\n--b{n}--\r\n" for n in reversed(range(depth + 1))]
    body = (
        "".join(opening)
        + f"--b{depth}\r\nContent-Type: text/plain\r\n\r\n{text}"
        + "".join(closing)
    )
    return raw_mail(
        'From: abuse@social.test\nSubject: deep\nContent-Type: multipart/mixed; boundary="b0"\n',
        body.encode(),
    )


def test_absurd_nesting_never_raises():
    assert "Deep." in parse_reply(nested_raw(100, "Deep.")).text
    reply = parse_reply(nested_raw(5000, "Too deep."))
    assert reply.subject == "deep"
    assert reply.problems  # skipped or unreadable, and said so


def test_nul_bytes_are_removed_from_headers_and_text():
    raw = raw_mail(
        "From: abuse@social.test\nSubject: Re\x00moved\nMessage-ID: <a\x00b@social.test>\n",
        b"The content\x00 has been removed.\x00\r\n",
    )
    reply = parse_reply(raw)
    assert "\x00" not in reply.subject + reply.text + reply.message_id
    assert reply.text == "The content has been removed."
    assert reply.message_id == ""  # an id with a NUL in it is no id of ours
    assert any("NUL" in p for p in reply.problems)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-8859-1", "Le contenu a été supprimé."),
        ("windows-1252", "Der Inhalt wurde gelöscht \u2013 danke."),
        ("iso-8859-15", "Coût : 5 €"),
        ("shift_jis", "削除しました"),
        ("utf-16", "Wij hebben uw melding ontvangen."),
    ],
)
def test_text_in_other_charsets_is_decoded(charset, text):
    message = reply_mail()
    message.set_content(text.encode(charset), maintype="text", subtype="plain")
    message.set_param("charset", charset)
    reply = parse_reply(bytes(message))
    assert reply.text == text
    assert reply.problems == ()


def test_an_unknown_charset_is_read_as_utf8_and_noted():
    raw = raw_mail(
        "From: abuse@social.test\nContent-Type: text/plain; charset=x-klingon\n",
        "Supprimé.".encode(),
    )
    reply = parse_reply(raw)
    assert reply.text == "Supprimé."
    assert any("x-klingon" in p for p in reply.problems)


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "utf-8\x00", "../../etc"])
def test_charsets_that_are_not_text_encodings_are_refused(charset):
    raw = raw_mail(
        f'From: abuse@social.test\nContent-Type: text/plain; charset="{charset}"\n',
        b"Removed.",
    )
    reply = parse_reply(raw)
    assert reply.text == "Removed."


def test_bytes_wrong_for_the_declared_charset_are_replaced_and_noted():
    raw = raw_mail(
        "From: abuse@social.test\nContent-Type: text/plain; charset=utf-8\n",
        "Le contenu a été supprimé.".encode("latin-1"),
    )
    reply = parse_reply(raw)
    assert reply.text == "Le contenu a \ufffdt\ufffd supprim\ufffd."
    assert any("utf-8" in p for p in reply.problems)


def test_raw_8bit_headers_are_read_as_utf8():
    raw = b"From: abuse@social.test\r\nSubject: R\xc3\xa9ponse \xff\r\n\r\nok"
    reply = parse_reply(raw)
    assert reply.subject == "Réponse \ufffd"


def test_a_body_over_the_limit_is_flagged_oversize_and_cut():
    message = reply_mail("We removed it. " + "x" * (12 * 1024 * 1024))
    raw = bytes(message)
    assert len(raw) > 12 * 1024 * 1024
    reply = parse_reply(raw)
    assert reply.oversize and reply.truncated
    assert reply.subject == f"Re: Notice {REF}"
    assert reply.in_reply_to == OUR_ID
    assert reply.text.startswith("We removed it.")
    assert len(reply.text) <= MAX_TEXT
    assert any("larger than" in p for p in reply.problems)


def test_a_partially_fetched_mail_is_oversize_by_its_full_size():
    reply = parse_reply(bytes(reply_mail("Removed.")), full_size=50 * 1024 * 1024)
    assert reply.oversize and reply.truncated
    assert reply.text == "Removed."


def test_long_text_is_capped_and_flagged_truncated():
    reply = parse_reply(bytes(reply_mail("word " * 50_000)))
    assert len(reply.text) == MAX_TEXT
    assert reply.truncated and not reply.oversize


def test_a_base64_body_of_50_mb_is_cut_before_decoding():
    message = reply_mail()
    message.set_content(b"A" * (50 * 1024 * 1024), maintype="text", subtype="plain")
    reply = parse_reply(bytes(message))
    assert reply.oversize and reply.truncated
    assert len(reply.text) <= MAX_TEXT


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 1000,
        b"\r\n\r\n\r\n",
        b"not a mail at all",
        b"From:\r\nSubject:\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
        b"Content-Type: text/plain; charset*=utf-8''%FF%FE\r\n\r\nx",
        b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n!!!\r\nend\r\n",
        b"Subject: =?utf-8?b?////?= =?unknown?q?x?= =?utf-8?q?=ZZ?=\r\n\r\n",
        b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\n",
        b"From: " + b"a" * 100_000 + b"@x.test\r\n\r\n",
        b"References: " + b"<a@b> " * 100_000 + b"\r\n\r\n",
    ],
)
def test_hostile_input_never_raises(raw):
    assert isinstance(parse_reply(raw), Reply)


def test_randomly_damaged_mails_never_raise():
    message = reply_mail("The content has been removed.")
    message.add_alternative("<p>The content has been removed.</p>", subtype="html")
    original = bytearray(bytes(message))
    rng = random.Random(16)
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cut = rng.randrange(len(damaged) + 1)
        assert isinstance(parse_reply(bytes(damaged[:cut])), Reply)


# --- Which notice ----------------------------------------------------------------------------


def test_the_notice_reference_pattern_is_exactly_flagdesks_format():
    for _ in range(200):
        assert NOTICE_REFERENCE.fullmatch(new_reference("N"))
    for wrong in ("N-7KQ3-M9XU", "N-7KQ3M9XD", "n-7kq3-m9xd", "R-7KQ3-M9XD", "N-7KQ3-M9XDA"):
        assert not NOTICE_REFERENCE.search(wrong), wrong
    assert NOTICE_REFERENCE.findall("(N-7KQ3-M9XD),N-0000-1111.") == ["N-7KQ3-M9XD", "N-0000-1111"]


def test_references_come_from_headers_then_subject_then_body():
    other = "N-ABCD-EFGH"
    message = reply_mail(
        f"About {other} and {REF}; again {other}.\n> quoted: {REF}",
        subject=f"Re: {REF} and {REF}",
    )
    found = notice_references(parse_reply(bytes(message)))
    assert found.message_ids == (OUR_ID, "<older@stopcv.test>")
    assert found.subject_refs == (REF,)
    assert found.body_refs == (other, REF)


def test_a_reply_without_any_reference_finds_nothing():
    message = reply_mail("Hello", subject="Question")
    del message["In-Reply-To"], message["References"]
    found = notice_references(parse_reply(bytes(message)))
    assert (found.message_ids, found.subject_refs, found.body_refs) == ((), (), ())


def test_a_forged_in_reply_to_yields_only_well_formed_ids_and_the_true_sender():
    raw = raw_mail(
        "From: Social Abuse Team <abuse@social.test.attacker.test>\n"
        f"In-Reply-To: junk {OUR_ID} <with space@x.test> <{'a' * 300}@x.test>"
        " <no-at-sign> <x@y.test\x01>\n"
        "References: " + " ".join(f"<r{i}@x.test>" for i in range(500)) + "\n"
        "Subject: =?utf-8?q?Re:_N-7KQ3-M9XD?=\n",
        b"Removed.",
    )
    reply = parse_reply(raw)
    found = notice_references(reply)
    assert reply.in_reply_to == OUR_ID
    assert found.message_ids[0] == OUR_ID
    assert len(found.message_ids) == 101  # In-Reply-To plus the first 100 References
    assert found.subject_refs == (REF,)
    # Anyone can quote our Message-ID: the caller compares the sender's domain with the
    # platform's, and this one is not social.test.
    assert reply.from_domain == "social.test.attacker.test"


def test_references_can_use_another_pattern():
    import re

    reply = parse_reply(bytes(reply_mail("Ticket #12345 and #678", subject="Case #12345")))
    found = notice_references(reply, re.compile(r"#\d+"))
    assert found.subject_refs == ("#12345",)
    assert found.body_refs == ("#12345", "#678")


# --- Classification --------------------------------------------------------------------------


def classified(body: str, subject: str = f"Re: {REF}"):
    result = classify(parse_reply(bytes(reply_mail(body, subject=subject))))
    return result.kind, result.decision, result.confidence


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Acknowledgements
        ("We have received your report and will review it.", ("acknowledgement", "", "high")),
        ("Nous avons bien reçu votre signalement.", ("acknowledgement", "", "high")),
        ("Wij hebben uw melding goed ontvangen.", ("acknowledgement", "", "high")),
        ("Wir haben Ihre Meldung erhalten.", ("acknowledgement", "", "high")),
        # Removal
        ("We removed the content you reported.", ("decision", "removed", "high")),
        ("The video has been removed.", ("decision", "removed", "high")),
        ("Le contenu a été supprimé.", ("decision", "removed", "high")),
        ("De inhoud is verwijderd.", ("decision", "removed", "high")),
        ("Wij hebben de video verwijderd.", ("decision", "removed", "high")),
        ("Der Inhalt wurde entfernt.", ("decision", "removed", "high")),
        ("Wir haben den Beitrag gelöscht.", ("decision", "removed", "high")),
        # Other decisions
        ("We have disabled access to the post.", ("decision", "disabled", "high")),
        (
            "Access to the content is now restricted in your country.",
            ("decision", "geo_blocked", "high"),
        ),
        ("The post is withheld in certain countries.", ("decision", "geo_blocked", "high")),
        ("Le contenu est bloqué dans votre pays.", ("decision", "geo_blocked", "high")),
        ("De inhoud is geblokkeerd in uw land.", ("decision", "geo_blocked", "high")),
        ("Der Beitrag ist in Ihrem Land gesperrt.", ("decision", "geo_blocked", "high")),
        ("We restricted the visibility of the post.", ("decision", "restricted", "high")),
        ("Die Sichtbarkeit des Beitrags wurde eingeschränkt.", ("decision", "restricted", "high")),
        ("The post has been demoted in feeds.", ("decision", "demoted", "high")),
        ("The account has been suspended.", ("decision", "account_suspended", "high")),
        ("Het account is opgeschort.", ("decision", "account_suspended", "high")),
        # Refusals
        ("The content does not violate our Community Guidelines.", ("decision", "refused", "high")),
        ("This post doesn't go against our policies.", ("decision", "refused", "high")),
        ("Ce contenu n'enfreint pas nos règles.", ("decision", "refused", "high")),
        ("Deze inhoud is niet in strijd met onze voorwaarden.", ("decision", "refused", "high")),
        ("Der Inhalt verstößt nicht gegen unsere Richtlinien.", ("decision", "refused", "high")),
        ("No action will be taken on this report.", ("decision", "no_action", "high")),
        # Requests for information
        (
            "We need more information: please provide the exact URL.",
            ("information_request", "", "high"),
        ),
        ("Veuillez fournir l'URL exacte.", ("information_request", "", "high")),
        ("Gelieve ons de exacte URL te bezorgen.", ("information_request", "", "high")),
        ("Bitte geben Sie die genaue URL an.", ("information_request", "", "high")),
        ("Bitte die genaue URL angeben.", ("information_request", "", "high")),
    ],
)
def test_classification_in_four_languages(body, expected):
    assert classified(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "The content has not been removed.",
        "The content was not removed yet.",
        "We haven't removed the post.",
        "We have not deleted the video.",
        "Le contenu n'a pas été supprimé.",
        "Nous n'avons pas supprimé ce contenu.",
        "De inhoud is niet verwijderd.",
        "Wij hebben de inhoud niet verwijderd.",
        "Der Inhalt wurde nicht entfernt.",
        "Wir haben den Beitrag nicht gelöscht.",
        "We did not restrict access in your country.",
        "We do not need more information.",
    ],
)
def test_negations_do_not_flip_the_meaning(body):
    kind, decision, confidence = classified(body)
    assert decision not in {"removed", "restricted", "geo_blocked"}
    assert kind != "information_request"
    assert (kind, confidence) == ("unknown", "low")


def test_a_decision_wins_over_the_acknowledgement_around_it():
    body = "Thank you for your report. After review, the content has been removed."
    assert classified(body) == ("decision", "removed", "high")


def test_conflicting_decisions_are_low_confidence():
    body = "The post does not violate our terms. The content has been removed."
    kind, decision, confidence = classified(body)
    assert (kind, confidence) == ("decision", "low")
    assert decision in {"refused", "removed"}


def test_removal_and_suspension_together_are_low_confidence():
    body = "We have reviewed and removed the content. We also suspended the account."
    assert classified(body) == ("decision", "removed", "low")


def test_a_restriction_in_one_country_is_a_geo_block():
    body = "Based on local law, we have restricted access to the content in Germany."
    assert classified(body) == ("decision", "geo_blocked", "high")


def test_a_decision_with_a_request_for_information_is_low_confidence():
    body = "We removed the first post. For the second, please provide the exact URL."
    assert classified(body) == ("decision", "removed", "low")


def test_no_signal_is_unknown_and_low():
    assert classified("Hello, see attached.") == ("unknown", "", "low")
    result = classify(parse_reply(b""))
    assert (result.kind, result.confidence, result.evidence) == ("unknown", "low", "")


def test_quoted_text_of_our_notice_is_not_read_as_the_answer():
    body = (
        "We have received your report.\n\n"
        "On Mon, 2 Mar 2026 at 10:00, Notices <notices@stopcv.test> wrote:\n"
        "> The content has been removed from other sites; please provide a decision.\n"
    )
    assert classified(body) == ("acknowledgement", "", "high")


def test_curly_apostrophes_count_as_apostrophes():
    assert classified("This post doesn\u2019t go against our policies.")[1] == "refused"


def test_evidence_is_the_matched_phrase():
    result = classify(
        parse_reply(bytes(reply_mail("After review,\nthe video has   been removed.")))
    )
    assert result.evidence == "has been removed"


def test_rules_cover_exactly_the_recorded_decisions_in_every_language():
    assert {r.decision for r in RULES if r.decision} == set(NoticeResponse.Decision.values)
    for kind in ("acknowledgement", "decision", "information_request"):
        assert {r.language for r in RULES if r.kind == kind} == {"en", "fr", "nl", "de"}
    for rule in RULES:
        rule.compiled()


def test_the_rule_table_is_easy_to_extend_and_refuses_nonsense():
    [rule] = parse_rule_table("[decision removed]\nit we have zapped it\n")
    assert (rule.kind, rule.decision, rule.language, rule.negatable) == (
        "decision",
        "removed",
        "it",
        True,
    )
    with pytest.raises(ValueError, match="not a rule"):
        parse_rule_table("[guess]\nen something\n")


def test_classifying_a_huge_repetitive_text_finishes():
    body = "please provide has been removed does not violate " * 2_000
    assert classified(body)[2] == "low"


# --- IMAP URLs -------------------------------------------------------------------------------


def test_imap_url_is_parsed_with_percent_decoding_and_defaults():
    config = imap_url_config("imap://replies%40stopcv.test:p%40ss%3Aw%2Frd@mail.stopcv.test/")
    assert (config.host, config.port, config.mailbox, config.use_ssl) == (
        "mail.stopcv.test",
        143,
        "INBOX",
        False,
    )
    assert (config.username, config.password) == ("replies@stopcv.test", "p@ss:w/rd")
    assert "p@ss" not in repr(config)


def test_imaps_url_with_port_and_mailbox():
    config = imap_url_config("imaps://u:p@mail.stopcv.test:1993/Platform%20Replies")
    assert (config.port, config.mailbox, config.use_ssl) == (1993, "Platform Replies", True)
    assert imap_url_config("imaps://u:p@mail.stopcv.test").port == 993


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://u:p@mail.test/", "imap://"),
        ("mail.test", "imap://"),
        ("imap:///INBOX", "no server"),
        ("imap://u:p@mail.test:99999/", "port"),
        ("imap://u:p@mail.test:abc/", "port"),
        ("imap://u:p@mail.test:0/", "port"),
        ("imap://mail.test/", "password"),
        ("imap://u@mail.test/", "password"),
        ("imap://u:p@mail.test/INBOX?x=1", "query"),
        ("imap://u:p@mail.test/IN%0D%0ABOX", "control"),
        ("imap://u:se%0Acret@mail.test/", "control"),
    ],
)
def test_bad_imap_urls_say_what_is_wrong(url, says):
    with pytest.raises(ValueError, match=says) as raised:
        imap_url_config(url)
    assert "secret" not in str(raised.value)


def test_mailbox_names_are_sent_in_modified_utf7():
    assert imap_utf7("INBOX") == "INBOX"
    assert imap_utf7("Entwürfe") == "Entw&APw-rfe"
    assert imap_utf7("A&B") == "A&-B"
    assert imap_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
