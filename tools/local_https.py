"""Ember on one origin over HTTPS on this machine, as deploy/ serves it in production.

nginx (deploy/ember-locations.conf, the production rules themselves) in front of the web
service and the Rasa server, with a self-signed certificate made here for localhost and
127.0.0.1. `make run-https` starts it all; tests/browser uses the same functions.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import ipaddress
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tools import serve

LOCATIONS = serve.PROJECT_ROOT / "deploy" / "ember-locations.conf"
# Debian's nginx; EMBER_NGINX names another. /usr/sbin is not on every user's PATH.
NGINX = Path(os.environ.get("EMBER_NGINX", "/usr/sbin/nginx"))
CERTIFICATE_DAYS = 7


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    # base64 SHA-256 of the public key: Chromium's --ignore-certificate-errors-spki-list
    # trusts exactly this key, and nothing else it would otherwise refuse.
    spki_sha256: str


def make_certificate(folder: Path) -> Certificate:
    """A short-lived self-signed certificate for localhost and 127.0.0.1, kept in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "localhost.crt", folder / "localhost.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Certificate(
        cert_path, key_path, base64.b64encode(hashlib.sha256(spki).digest()).decode()
    )


def nginx_config(
    folder: Path, port: int, rasa_port: int, web_port: int, certificate: Certificate
) -> Path:
    """An nginx.conf for `nginx -p folder`: HTTPS on 127.0.0.1:port with deploy/'s rules."""
    temp = {kind: folder / f"{kind}_temp" for kind in ("client_body", "proxy", "fastcgi")}
    temp |= {kind: folder / f"{kind}_temp" for kind in ("uwsgi", "scgi")}
    config = folder / "nginx.conf"
    config.write_text(
        f"""worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    upstream ember_rasa {{ server 127.0.0.1:{rasa_port}; keepalive 4; }}
    upstream ember_web {{ server 127.0.0.1:{web_port}; keepalive 4; }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {certificate.cert};
        ssl_certificate_key {certificate.key};
        include {LOCATIONS};
    }}
}}
"""
    )
    return config


def nginx_available() -> str | None:
    """None when nginx can run here, else why not."""
    if not NGINX.is_file() or not os.access(NGINX, os.X_OK):
        return f"nginx is missing at {NGINX}: install it (Debian: apt-get install nginx)"
    return None


def nginx_server(
    folder: Path, port: int, rasa_port: int, web_port: int, certificate: Certificate
) -> serve.Server:
    config = nginx_config(folder, port, rasa_port, web_port, certificate)
    return serve.Server(
        name="nginx (HTTPS)",
        # In the foreground, so it is stopped like Ember's other servers.
        command=[str(NGINX), "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
        ready_url=f"https://localhost:{port}/health",
        log_path=folder / "nginx.log",
        verify=str(certificate.cert),
    )


def https_origins(port: int) -> list[str]:
    return [f"https://localhost:{port}", f"https://127.0.0.1:{port}"]


def same_origin_web_server(
    port: int, rasa_url: str, token: str | None = None, log_path: Path | None = None
) -> serve.Server:
    """The web service as nginx fronts it: the page opens its socket on its own origin."""
    server = serve.web_server(port, rasa_url, token=token, log_path=log_path)
    server.env["EMBER_SAME_ORIGIN"] = "1"
    return server


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Start Ember behind nginx over HTTPS on this machine, with a certificate "
        "made for localhost."
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMBER_HTTPS_PORT", 8443)))
    parser.add_argument("--endpoints", type=Path, default=serve.PROJECT_ROOT / "endpoints.yml")
    args = parser.parse_args(argv)
    problem = nginx_available()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="ember-https-"))
    certificate = make_certificate(folder)
    content_port, action_port = serve.free_port(), 5055  # endpoints.yml names 5055
    rasa_port, web_port = serve.free_port(), serve.free_port()
    servers = [
        serve.content_server(content_port),
        serve.action_server(action_port, content_url=f"http://127.0.0.1:{content_port}"),
        serve.rasa_server(rasa_port, endpoints=args.endpoints, origins=https_origins(args.port)),
        same_origin_web_server(web_port, f"http://127.0.0.1:{rasa_port}"),
        nginx_server(folder, args.port, rasa_port, web_port, certificate),
    ]
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    try:
        for server in servers:
            server.start().wait_ready()
            print(f"✓ {server.name} is up", flush=True)
        print(
            f"\nEmber is running over HTTPS.\n"
            f"  Chat:   https://localhost:{args.port}/\n"
            f'  Embed:  <script src="https://localhost:{args.port}/embed.js" defer></script>\n'
            f"  The certificate is self-signed for this run: {certificate.cert}\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(server.process.poll() is None for server in servers):
            time.sleep(1)
        print("A server stopped unexpectedly; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Ember…", flush=True)
        return 0
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
