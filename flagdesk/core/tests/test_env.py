import pytest
from django.core.exceptions import ImproperlyConfigured

from flagdesk.core import env


def test_bool_int_list_parse_and_name_the_variable_on_error(monkeypatch):
    monkeypatch.setenv("FLAGDESK_X_BOOL", "yes")
    monkeypatch.setenv("FLAGDESK_X_INT", "12")
    monkeypatch.setenv("FLAGDESK_X_LIST", "a, b,,c")
    assert env.env_bool("X_BOOL") is True
    assert env.env_int("X_INT", 0) == 12
    assert env.env_list("X_LIST") == ["a", "b", "c"]
    monkeypatch.setenv("FLAGDESK_X_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAGDESK_X_BOOL"):
        env.env_bool("X_BOOL")
    monkeypatch.setenv("FLAGDESK_X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="FLAGDESK_X_INT"):
        env.env_int("X_INT", 0)


def test_secret_file_wins_over_the_variable(monkeypatch, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("from-file\n")
    monkeypatch.setenv("FLAGDESK_X_SECRET", "from-env")
    monkeypatch.setenv("FLAGDESK_X_SECRET_FILE", str(secret))
    assert env.env_secret("X_SECRET") == "from-file"
    monkeypatch.setenv("FLAGDESK_X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="FLAGDESK_X_SECRET_FILE"):
        env.env_secret("X_SECRET")


def test_url_scheme_checked(monkeypatch):
    monkeypatch.setenv("FLAGDESK_X_URL", "ftp://host")
    with pytest.raises(ImproperlyConfigured, match="FLAGDESK_X_URL"):
        env.env_url("X_URL", schemes=("smtp",))


def test_database_urls(tmp_path):
    sqlite = env.database_config("sqlite:///var/x.sqlite3", tmp_path)
    assert sqlite["NAME"] == str(tmp_path / "var/x.sqlite3")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert env.database_config("sqlite:////srv/db.sqlite3", tmp_path)["NAME"] == "/srv/db.sqlite3"
    pg = env.database_config("postgres://u:p%40ss@127.0.0.1:5433/fd", tmp_path)
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u",
        "p@ss",
        "127.0.0.1",
        "5433",
        "fd",
    )
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_config("mysql://x/y", tmp_path)


def test_float_takes_fractions_and_refuses_negatives_and_words(monkeypatch):
    monkeypatch.setenv("FLAGDESK_X_SECONDS", "2.5")
    assert env.env_float("X_SECONDS", 3.0) == 2.5
    monkeypatch.delenv("FLAGDESK_X_SECONDS")
    assert env.env_float("X_SECONDS", 3.0) == 3.0
    for bad in ("-1", "soon", "nan", "inf"):
        monkeypatch.setenv("FLAGDESK_X_SECONDS", bad)
        with pytest.raises(ImproperlyConfigured, match="FLAGDESK_X_SECONDS"):
            env.env_float("X_SECONDS", 3.0)


@pytest.mark.parametrize("value", ["30/h", "5/m", "2/10m", "off", "0"])
def test_a_rate_limit_is_read(monkeypatch, value):
    monkeypatch.setenv("FLAGDESK_PUBLIC_RATE_LIMIT", value)
    assert env.env_rate("PUBLIC_RATE_LIMIT", "30/h") == value


@pytest.mark.parametrize("value", ["30", "30/x", "thirty/h", "30/h/2", "-1/h", "3/0h"])
def test_a_malformed_rate_limit_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("FLAGDESK_PUBLIC_RATE_LIMIT", value)
    with pytest.raises(ImproperlyConfigured, match="FLAGDESK_PUBLIC_RATE_LIMIT"):
        env.env_rate("PUBLIC_RATE_LIMIT", "30/h")
