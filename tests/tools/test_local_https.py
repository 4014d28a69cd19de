"""The local HTTPS run's certificate and nginx configuration, and deploy/'s production file.

nginx serving Ember over HTTPS in a real browser: tests/browser/test_one_origin.py.
"""

import datetime
import re
import shutil
import subprocess

import pytest
from cryptography import x509

from tests.helpers import unavailable
from tools import local_https
from tools.serve import free_port

DEPLOY = local_https.serve.PROJECT_ROOT / "deploy"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return local_https.make_certificate(tmp_path_factory.mktemp("certificate"))


@pytest.fixture
def nginx():
    problem = local_https.nginx_available()
    if problem:
        unavailable(problem)
    return str(local_https.NGINX)


def test_the_certificate_is_for_this_machine_only_and_short_lived(certificate):
    cert = x509.load_pem_x509_certificate(certificate.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    lifetime = cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
    assert lifetime <= datetime.timedelta(days=local_https.CERTIFICATE_DAYS)
    assert certificate.key.stat().st_mode & 0o077 == 0  # the key is the owner's alone


def test_the_local_configuration_uses_deploys_rules_and_nginx_accepts_it(
    tmp_path, certificate, nginx
):
    config = local_https.nginx_config(tmp_path, 18443, 5005, 8000, certificate)
    assert f"include {DEPLOY / 'ember-locations.conf'};" in config.read_text()
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_production_configuration_passes_nginx_t(tmp_path, certificate, nginx):
    """deploy/nginx-ember.conf as /etc/nginx would load it, with this run's certificate."""
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "ember-locations.conf", tmp_path / "snippets")
    production = (DEPLOY / "nginx-ember.conf").read_text()
    production = production.replace(
        "/etc/letsencrypt/live/ember.example.org/fullchain.pem", str(certificate.cert)
    ).replace("/etc/letsencrypt/live/ember.example.org/privkey.pem", str(certificate.key))
    # nginx -t binds each address: free loopback ports instead of 80, 443 and the private one.
    production, listens = re.subn(
        r"listen [^; ]+", lambda _: f"listen 127.0.0.1:{free_port()}", production
    )
    assert listens == 3
    (tmp_path / "ember.conf").write_text(production)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{ include {tmp_path / 'ember.conf'}; }}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
