#!/usr/bin/env python3
"""smtp_chat.py - a scripted SMTP client for the smtpd end-to-end tests.

usage: smtp_chat.py [--tls] [--early] PORT STEP...

Connects to 127.0.0.1:PORT (--tls: implicit TLS, no certificate check),
reads the greeting (--early: does not wait for it: the steps start at
once, and the greeting is read like any reply), then runs the steps in
order and prints every reply
line it reads, as received (without CR LF). Steps:

  CMD           send CMD + CR LF, read one reply
  raw:TEXT      send TEXT as is (\\r, \\n and \\xHH are decoded), read nothing
  read          read one reply
  starttls      send STARTTLS, read the reply, start TLS if it was 220
  sleep:SECS    wait
  eof           read until the server closes; print what came

A reply is all lines up to one whose fourth byte is a blank. The exit
status is 0, or 1 if the connection broke while a reply was expected
(what came before is printed).
"""
import socket
import ssl
import sys
import time


def ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln.rstrip(b"\r").decode("latin-1")

    def reply(self):
        while True:
            ln = self.line()
            print(ln, flush=True)
            if len(ln) < 4 or ln[3] != "-":
                return ln

    def send(self, data):
        self.sock.sendall(data)


def decode(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    args = sys.argv[1:]
    tls = early = False
    while args and args[0].startswith("--"):
        if args[0] == "--tls":
            tls = True
        elif args[0] == "--early":
            early = True
        args = args[1:]
    port = int(args[0])
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    if tls:
        sock = ctx().wrap_socket(sock)
    c = Conn(sock)
    try:
        if not early:
            c.reply()
        for step in args[1:]:
            if step.startswith("raw:"):
                c.send(decode(step[4:]))
            elif step == "read":
                c.reply()
            elif step.startswith("sleep:"):
                time.sleep(float(step[6:]))
            elif step == "starttls":
                c.send(b"STARTTLS\r\n")
                if c.reply().startswith("220"):
                    c.sock = ctx().wrap_socket(c.sock)
                    c.buf = b""
            elif step == "eof":
                try:
                    while True:
                        print(c.line(), flush=True)
                except (EOFError, OSError):
                    pass
            else:
                c.send(step.encode("latin-1") + b"\r\n")
                c.reply()
    except (EOFError, OSError) as e:
        print("[connection closed: %s]" % (type(e).__name__), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
