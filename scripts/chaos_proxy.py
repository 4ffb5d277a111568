#!/usr/bin/env python3
"""A loopback TCP proxy that makes a good link bad: throttles, stalls and cuts.

    chaos_proxy.py --listen 18080 --target 127.0.0.1:8080 --rate 30000 --cut-every 200000 \
        --stall-every 100000 --stall-seconds 3 --stats stats.json

Both directions share one byte counter per connection. Every `--cut-every` bytes the
connection is reset (SO_LINGER 0, as a dropped mobile link looks to both ends); every
`--stall-every` bytes forwarding pauses for `--stall-seconds`; `--rate` caps each
direction of each connection in bytes per second.

The proxy also follows the HTTP/1.1 exchanges on each connection (Content-Length
framing, as the Fieldbook client and server use) to measure what a cut costs: the bytes
of the request and response that were in flight when the link was cut, which the client
must send or receive again. `--stats FILE` is rewritten after every connection closes:
totals, cuts, and per-cut in-flight bytes (up, down, and the largest).
"""
import argparse
import asyncio
import json
import socket
import struct
import time


class Exchange:
    """Follows one direction's HTTP messages: header block, then Content-Length body."""

    def __init__(self):
        self.buffer = b""
        self.remaining = None  # body bytes left in the current message; None while in headers
        self.in_flight = 0  # bytes of the current, unfinished message
        self.completed = 0
        self.largest = 0
        self.last = 0  # size of the last complete message

    def feed(self, data):
        self.in_flight += len(data)
        while data:
            if self.remaining is None:
                self.buffer += data
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, data = self.buffer[:end], self.buffer[end + 4:]
                self.buffer = b""
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                self.remaining = length
            take = min(self.remaining, len(data))
            self.remaining -= take
            data = data[take:]
            if self.remaining == 0:
                done = self.in_flight - len(data)
                self.largest = max(self.largest, done)
                self.last = done
                self.completed += 1
                self.in_flight = len(data)
                self.remaining = None


class Stats:
    def __init__(self, path):
        self.path = path
        self.connections = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self.cuts = []  # per cut: {"up": in-flight request bytes, "down": in-flight response bytes}
        self.stalls = 0
        self.largest_request = 0
        self.largest_response = 0
        self.started = time.time()

    def write(self):
        if not self.path:
            return
        lost = [c["up"] + c["down"] for c in self.cuts]
        data = {
            "connections": self.connections, "bytes_up": self.bytes_up, "bytes_down": self.bytes_down,
            "cuts": len(self.cuts), "stalls": self.stalls,
            "resent_per_cut_max": max(lost, default=0),
            "resent_per_cut_mean": round(sum(lost) / len(lost)) if lost else 0,
            "resent_up_max": max((c["up"] for c in self.cuts), default=0),
            "resent_down_max": max((c["down"] for c in self.cuts), default=0),
            "resent_total": sum(lost),
            "largest_request": self.largest_request, "largest_response": self.largest_response,
            "seconds": round(time.time() - self.started, 1),
        }
        with open(self.path, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)


class Link:
    """One proxied connection and its shared byte budget."""

    def __init__(self, options, stats):
        self.options = options
        self.stats = stats
        self.through = 0
        self.next_cut = options.cut_every or None
        self.next_stall = options.stall_every or None
        self.cut = False
        self.up = Exchange()
        self.down = Exchange()

    async def pipe(self, reader, writer, exchange, direction):
        rate = self.options.rate
        chunk = max(1, min(4096, rate // 10)) if rate else 65536
        while not self.cut:
            try:
                data = await reader.read(chunk)
            except (ConnectionError, OSError):
                break
            if not data:
                break
            if self.next_cut is not None and self.through + len(data) >= self.next_cut:
                data = data[: self.next_cut - self.through]
                self.forward(writer, data, exchange, direction)
                try:
                    await writer.drain()
                except (ConnectionError, OSError):
                    pass
                self.cut = True
                break
            self.forward(writer, data, exchange, direction)
            try:
                await writer.drain()
            except (ConnectionError, OSError):
                break
            if self.next_stall is not None and self.through >= self.next_stall:
                self.next_stall += self.options.stall_every
                self.stats.stalls += 1
                await asyncio.sleep(self.options.stall_seconds)
            if rate:
                await asyncio.sleep(len(data) / rate)

    def forward(self, writer, data, exchange, direction):
        self.through += len(data)
        if direction == "up":
            self.stats.bytes_up += len(data)
        else:
            self.stats.bytes_down += len(data)
        exchange.feed(data)
        writer.write(data)


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.close()


async def handle(client_reader, client_writer, options, stats):
    host, port = options.target.rsplit(":", 1)
    try:
        server_reader, server_writer = await asyncio.open_connection(host, int(port))
    except OSError:
        reset(client_writer)
        return
    stats.connections += 1
    link = Link(options, stats)
    up = asyncio.create_task(link.pipe(client_reader, server_writer, link.up, "up"))
    down = asyncio.create_task(link.pipe(server_reader, client_writer, link.down, "down"))
    done, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    if link.cut:
        for task in pending:
            task.cancel()
        reset(client_writer)
        reset(server_writer)
        # What was in flight is lost: the part of a request being sent; or a whole request
        # whose answer never (fully) arrived, and the part of the answer that did.
        if link.up.in_flight:
            lost = {"up": link.up.in_flight, "down": 0}
        elif link.up.completed > link.down.completed:
            lost = {"up": link.up.last, "down": link.down.in_flight}
        else:
            lost = {"up": 0, "down": 0}
        stats.cuts.append(lost)
    else:
        # One side closed normally: let the other finish, then close both.
        await asyncio.wait(pending, timeout=5)
        for task in pending:
            task.cancel()
        for writer in (client_writer, server_writer):
            try:
                writer.close()
            except OSError:
                pass
    stats.largest_request = max(stats.largest_request, link.up.largest)
    stats.largest_response = max(stats.largest_response, link.down.largest)
    stats.write()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", type=int, required=True, help="loopback port to listen on (0: any)")
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--rate", type=int, default=0, help="bytes per second per direction (0: unlimited)")
    parser.add_argument("--cut-every", type=int, default=0, help="reset each connection after this many bytes")
    parser.add_argument("--stall-every", type=int, default=0, help="pause after every this many bytes")
    parser.add_argument("--stall-seconds", type=float, default=2.0)
    parser.add_argument("--stats", help="JSON statistics file, rewritten as connections close")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    options = parser.parse_args()
    stats = Stats(options.stats)
    server = await asyncio.start_server(lambda r, w: handle(r, w, options, stats), "127.0.0.1", options.listen)
    port = server.sockets[0].getsockname()[1]
    if options.port_file:
        with open(options.port_file, "w") as f:
            f.write(str(port))
    stats.write()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
