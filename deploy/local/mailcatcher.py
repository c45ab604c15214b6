#!/usr/bin/env python3
"""Local mail catcher for the Laissez development stack.

Accepts every message over SMTP (default 127.0.0.1:1025), stores it as an
.eml file under the mail directory (default .local/mail/), and serves a small
web UI and JSON API (default http://127.0.0.1:8025/):

    GET  /                       list of messages (newest first)
    GET  /messages/<id>          one message: headers, text body, links
    GET  /messages/<id>.eml      the raw message as received
    GET  /api/messages           JSON list: id, received_at, from, to, cc, subject,
                                 date, text (plain-text body), links (URLs in the body)
    GET  /api/messages/<id>      JSON for one message
    DELETE /api/messages         delete every stored message (handy in tests)

Needs aiosmtpd (Debian: python3-aiosmtpd). Started by `deploy/dev.sh up`
or `deploy/dev.sh deps`, stopped by `deploy/dev.sh down`.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import signal
import sys
import threading
import uuid
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

MESSAGE_ID_PATTERN = re.compile(r"^[0-9A-Za-z_-]+$")
LINK_PATTERN = re.compile(r"https?://[^\s<>\"')\]]+")


class MailStore:
    """Messages as files named `<UTC timestamp>-<random>.eml`, so the name sorts by arrival."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    def save(self, raw: bytes) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        message_id = f"{stamp}-{uuid.uuid4().hex[:8]}"
        with self.lock:
            temporary = self.directory / f".{message_id}.tmp"
            temporary.write_bytes(raw)
            temporary.rename(self.directory / f"{message_id}.eml")
        return message_id

    def ids(self) -> list[str]:
        return sorted((path.stem for path in self.directory.glob("*.eml")), reverse=True)

    def raw(self, message_id: str) -> bytes | None:
        if not MESSAGE_ID_PATTERN.match(message_id):
            return None
        path = self.directory / f"{message_id}.eml"
        return path.read_bytes() if path.is_file() else None

    def clear(self) -> int:
        with self.lock:
            paths = list(self.directory.glob("*.eml"))
            for path in paths:
                path.unlink(missing_ok=True)
        return len(paths)


def text_body(message: EmailMessage) -> str:
    """The plain-text part, or the HTML part stripped of tags when there is no plain text."""
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        without_tags = re.sub(r"<[^>]+>", " ", part.get_content())
        return html.unescape(re.sub(r"[ \t]+", " ", without_tags))
    return ""


def links_in(message: EmailMessage, text: str) -> list[str]:
    sources = [text]
    html_part = message.get_body(preferencelist=("html",))
    if html_part is not None:
        sources.append(html.unescape(html_part.get_content()))
    found: list[str] = []
    for source in sources:
        for link in LINK_PATTERN.findall(source):
            link = link.rstrip(".,;:")
            if link not in found:
                found.append(link)
    return found


def addresses(message: EmailMessage, header: str) -> list[str]:
    value = message.get(header)
    if value is None:
        return []
    try:
        return [address.addr_spec for address in value.addresses]
    except AttributeError:  # a header the parser could not read as addresses
        return [part.strip() for part in str(value).split(",") if part.strip()]


def received_at(message_id: str) -> str:
    """The arrival time, from the file name (`20250101T120000123456Z-...`)."""
    try:
        stamp = datetime.strptime(message_id.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ")
    except ValueError:
        return ""
    return stamp.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


def summary(message_id: str, raw: bytes) -> dict:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = text_body(message).replace("\r\n", "\n")
    return {
        "id": message_id,
        "received_at": received_at(message_id),
        "from": str(message.get("From", "")),
        "to": addresses(message, "To"),
        "cc": addresses(message, "Cc"),
        "subject": str(message.get("Subject", "")),
        "date": str(message.get("Date", "")),
        "text": text,
        "links": links_in(message, text),
        "size": len(raw),
    }


class SaveEveryMessage:
    """aiosmtpd handler: accept any recipient, store the message as received."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message_id = self.store.save(raw)
        print(f"mail {message_id} from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 1rem; }
.muted { color: #777; }
"""


def page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    ).encode("utf-8")


def make_handler(store: MailStore):
    class MailHttpHandler(BaseHTTPRequestHandler):
        server_version = "laissez-mailcatcher"

        def log_message(self, format: str, *args) -> None:  # keep the log for mail, not page views
            pass

        def send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def send_json(self, status: int, value) -> None:
            self.send(status, "application/json", json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))

        def not_found(self) -> None:
            self.send(404, "text/plain; charset=utf-8", b"not found\n")

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?", 1)[0]
            if path == "/":
                return self.list_page()
            if path == "/api/messages":
                return self.send_json(200, [summary(i, store.raw(i) or b"") for i in store.ids()])
            if path.startswith("/api/messages/"):
                message_id = path.removeprefix("/api/messages/")
                raw = store.raw(message_id)
                return self.send_json(200, summary(message_id, raw)) if raw is not None else self.not_found()
            if path.startswith("/messages/") and path.endswith(".eml"):
                raw = store.raw(path.removeprefix("/messages/").removesuffix(".eml"))
                return self.send(200, "text/plain; charset=utf-8", raw) if raw is not None else self.not_found()
            if path.startswith("/messages/"):
                return self.message_page(path.removeprefix("/messages/"))
            return self.not_found()

        def do_DELETE(self) -> None:  # noqa: N802 (http.server API)
            if self.path.split("?", 1)[0] == "/api/messages":
                return self.send_json(200, {"deleted": store.clear()})
            return self.not_found()

        def list_page(self) -> None:
            rows = []
            for message_id in store.ids():
                item = summary(message_id, store.raw(message_id) or b"")
                rows.append(
                    "<tr>"
                    f"<td class='muted'>{html.escape(item['date'] or item['received_at'])}</td>"
                    f"<td>{html.escape(', '.join(item['to']))}</td>"
                    f"<td><a href='/messages/{message_id}'>{html.escape(item['subject'] or '(no subject)')}</a></td>"
                    "</tr>"
                )
            table = (
                "<table><tr><th>date</th><th>to</th><th>subject</th></tr>" + "".join(rows) + "</table>"
                if rows
                else "<p class='muted'>No mail yet. The platform sends to 127.0.0.1:1025.</p>"
            )
            self.send(200, "text/html; charset=utf-8", page("Laissez mail", f"<h1>Laissez local mail</h1>{table}"))

        def message_page(self, message_id: str) -> None:
            raw = store.raw(message_id)
            if raw is None:
                return self.not_found()
            item = summary(message_id, raw)
            links = "".join(f"<li><a href='{html.escape(link)}'>{html.escape(link)}</a></li>" for link in item["links"])
            body = (
                "<p><a href='/'>&larr; all messages</a> · "
                f"<a href='/messages/{message_id}.eml'>raw</a></p>"
                f"<h1>{html.escape(item['subject'] or '(no subject)')}</h1>"
                f"<p><b>From</b> {html.escape(item['from'])}<br><b>To</b> {html.escape(', '.join(item['to']))}"
                f"<br><b>Date</b> {html.escape(item['date'] or item['received_at'])}</p>"
                f"<pre>{html.escape(item['text'])}</pre>"
                + (f"<h2>Links</h2><ul>{links}</ul>" if links else "")
            )
            self.send(200, "text/html; charset=utf-8", page(item["subject"], body))

    return MailHttpHandler


def host_and_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smtp", default="127.0.0.1:1025", help="SMTP listen address (host:port)")
    parser.add_argument("--http", default="127.0.0.1:8025", help="web UI listen address (host:port)")
    parser.add_argument("--dir", default=".local/mail", help="directory for the .eml files")
    args = parser.parse_args()

    store = MailStore(Path(args.dir))
    smtp_host, smtp_port = host_and_port(args.smtp)
    # A generous size limit: permits and receipts may be attached as PDFs.
    smtp = Controller(SaveEveryMessage(store), hostname=smtp_host, port=smtp_port, data_size_limit=50 * 1024 * 1024)
    smtp.start()
    web = ThreadingHTTPServer(host_and_port(args.http), make_handler(store))

    def stop(signum, frame) -> None:
        threading.Thread(target=web.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"mailcatcher: smtp://{args.smtp} web http://{args.http}/ store {store.directory}", flush=True)
    try:
        web.serve_forever()
    finally:
        smtp.stop()
        web.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
