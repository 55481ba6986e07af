import smtplib
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command

from flagdesk.notices.management.commands.mailsink import FileMailbox


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_mailbox_files_each_message(tmp_path):
    port = _free_port()
    controller = Controller(FileMailbox(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.test", "b@y.test", "N-1234"
        message.set_content("body")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    [filed] = tmp_path.glob("*.eml")
    assert b"Subject: N-1234" in filed.read_bytes()


def test_the_mailsink_refuses_a_non_loopback_address(settings):
    settings.EMAIL_URL = "smtp://mail.example.org:25"
    with pytest.raises(CommandError, match="loopback"):
        call_command("mailsink")


def test_the_mailsink_process_stops_cleanly_on_sigterm(fresh_instance):
    import signal

    from conftest import ProcessOutput, free_port

    fresh_instance.env["FLAGDESK_EMAIL_URL"] = f"smtp://127.0.0.1:{free_port()}"
    sink = fresh_instance.popen("mailsink")
    output = ProcessOutput(sink)
    try:
        output.wait_for("mailsink: smtp://")
        sink.send_signal(signal.SIGTERM)
        printed = output.rest()
    finally:
        if sink.poll() is None:
            sink.kill()
    assert sink.returncode == 0, printed
    assert "Traceback" not in printed
