"""A real SMTP server on loopback for the e-mail end-to-end test: every message it
receives is written as one .eml file into the directory given, and the first line printed
says where it listens.

Usage: python smtp_sink.py OUT_DIR  (port chosen by the OS; printed as "smtp listening on HOST:PORT")
       python smtp_sink.py --dump FILE.eml  (prints the message as JSON: from, to, subject,
       text, html, decoded the way a mail client decodes them)
"""

import asyncio
import email
import email.policy
import json
import pathlib
import socket
import sys

from aiosmtpd.controller import Controller


class WriteToDirectory:
    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = self.directory / f"{self.count:04d}.eml"
        # Written under a temporary name first so a reader never sees half a message.
        partial = name.with_suffix(".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(name)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main() -> None:
    directory = pathlib.Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    controller = Controller(WriteToDirectory(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp listening on 127.0.0.1:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


def dump(path: str) -> None:
    message = email.message_from_bytes(pathlib.Path(path).read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    print(json.dumps({
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "multipart_alternative": message.get_content_type() == "multipart/alternative",
        "text": text.get_content() if text else None,
        "html": html.get_content() if html else None,
    }))


if __name__ == "__main__":
    if sys.argv[1] == "--dump":
        dump(sys.argv[2])
        sys.exit(0)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
