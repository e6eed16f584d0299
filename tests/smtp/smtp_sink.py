"""A real SMTP server for jiaofu's tests (aiosmtpd), with scripted faults.

    python3 smtp_sink.py --dir DIR [--port PORT]

Prints "READY <port>" once listening. Each accepted message is written to DIR/NNNNNN.eml with its
envelope recipients in an X-Envelope-To header. Before each DATA reply the server reads DIR/mode:
  ok (or no file)  accept
  451              reply 451 (transient)
  550              reply 550 (permanent)
  drop             close the connection without replying
  slow:N           wait N seconds, then accept
"""
import argparse
import asyncio
import itertools
import pathlib
import socket
import sys

from aiosmtpd.smtp import SMTP


class QuickAckSMTP(SMTP):
    """Acknowledges every segment at once. lettre writes a message and its final "." separately;
    with the client's Nagle algorithm and the kernel's delayed ACK that costs 40 ms per message,
    which would hide everything else the benchmarks measure."""

    def data_received(self, data):
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is not None and hasattr(socket, "TCP_QUICKACK"):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            except OSError:
                pass
        super().data_received(data)


class Sink:
    def __init__(self, directory: pathlib.Path):
        self.dir = directory
        self.counter = itertools.count(len(list(directory.glob("*.eml"))) + 1)

    def mode(self) -> str:
        try:
            return (self.dir / "mode").read_text().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "451":
            return "451 4.3.0 Temporary failure, try again later"
        if mode == "550":
            return "550 5.1.1 <%s>: Recipient address rejected" % envelope.rcpt_tos[0]
        if mode == "drop":
            server.transport.abort()
            return "421 closing"
        if mode.startswith("slow:"):
            await asyncio.sleep(float(mode[5:]))
        n = next(self.counter)
        header = "X-Envelope-To: %s\r\n" % ", ".join(envelope.rcpt_tos)
        data = header.encode() + envelope.original_content
        tmp = self.dir / ("%06d.tmp" % n)
        tmp.write_bytes(data)
        tmp.rename(self.dir / ("%06d.eml" % n))
        return "250 2.0.0 Ok: queued as %06d" % n


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    directory = pathlib.Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    sink = Sink(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: QuickAckSMTP(sink, hostname="sink.test", enable_SMTPUTF8=True, data_size_limit=50 * 1024 * 1024),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
