#!/usr/bin/env python3
"""smtp_kill.py - the client and the checker of smtp_kill.sh.

  smtp_kill.py send PORT COUNT CONNECTIONS OKFILE
      Send COUNT messages over CONNECTIONS concurrent connections, each
      transaction pipelined (MAIL, RCPT..., DATA in one write). Every
      attempt has a fresh Message-ID; one whose final reply is 250 is
      written to OKFILE ("<id> rcpt,rcpt"). A broken connection is
      reconnected and the message tried again under a new Message-ID.

  smtp_kill.py check MAILDIR_ROOT OKFILE
      Read every file of the test mailboxes (alice and bob of good.test):
      each must be exactly the message its Message-ID stands for, under
      one Received: header; every 250'd message must be in each of its
      recipients' new/ or cur/ exactly once, no message twice anywhere.
      Prints counts; exit 1 on any failure.
"""
import os
import socket
import sys
import threading
import time

DOMAIN = "good.test"
USERS = ["alice", "bob"]


def message_for(mid):
    """The message (LF line ends) that Message-ID mid stands for."""
    seed = sum(mid.encode())
    lines = ["From: kill test <k@client.example>",
             "To: alice@good.test",
             "Subject: kill test %s" % mid,
             "Message-ID: %s" % mid,
             ""]
    for k in range(5 + seed % 120):
        if k % 17 == 3:
            lines.append(".dot line %d of %s" % (k, mid))
        else:
            lines.append("line %d of %s %s" % (k, mid, "x" * (seed % 50)))
    return "\n".join(lines) + "\n"


def rcpts_for(i):
    return ["alice@" + DOMAIN] + (["bob@" + DOMAIN] if i % 3 == 0 else [])


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""

    def reply(self):
        while True:
            while b"\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise EOFError("connection closed")
                self.buf += data
            ln, self.buf = self.buf.split(b"\n", 1)
            if len(ln) < 4 or ln[3:4] != b"-":
                return int(ln[:3])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def sender(port, idx, todo, okf, lock, stats):
    attempt = 0
    while todo:
        c = None
        try:
            c = Conn(port)
            if c.reply() != 220:
                raise EOFError("greeting")
            c.sock.sendall(b"EHLO kill.client.example\r\n")
            if c.reply() != 250:
                raise EOFError("ehlo")
            while todo:
                i = todo[0]
                attempt += 1
                mid = "<m%d.c%d.a%d@kill.test>" % (i, idx, attempt)
                rc = rcpts_for(i)
                cmd = "MAIL FROM:<k@client.example>\r\n"
                cmd += "".join("RCPT TO:<%s>\r\n" % r for r in rc)
                cmd += "DATA\r\n"
                c.sock.sendall(cmd.encode())
                codes = [c.reply() for _ in range(len(rc) + 2)]
                if codes != [250] + [250] * len(rc) + [354]:
                    raise EOFError("replies %r" % codes)
                body = message_for(mid).replace("\n", "\r\n")
                body = body.replace("\r\n.", "\r\n..")
                c.sock.sendall(body.encode() + b".\r\n")
                code = c.reply()
                with lock:
                    stats["attempts"] += 1
                    if code == 250:
                        okf.write("%s %s\n" % (mid, ",".join(rc)))
                        okf.flush()
                        stats["ok"] += 1
                if code == 250:
                    todo.pop(0)
                else:
                    stats["refused"] += 1
                    time.sleep(0.05)
            c.sock.sendall(b"QUIT\r\n")
            c.close()
        except (OSError, EOFError, ValueError):
            with lock:
                stats["broken"] += 1
            if c is not None:
                c.close()
            time.sleep(0.02)


def send(port, count, conns, okpath):
    lock = threading.Lock()
    stats = {"attempts": 0, "ok": 0, "broken": 0, "refused": 0}
    with open(okpath, "w") as okf:
        threads = []
        for idx in range(conns):
            todo = list(range(idx, count, conns))
            t = threading.Thread(target=sender,
                                 args=(port, idx, todo, okf, lock, stats))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
    print("sent: %(ok)d messages acknowledged in %(attempts)d attempts, "
          "%(broken)d broken connections, %(refused)d refused" % stats)
    return 0


def check(root, okpath):
    ok = {}
    with open(okpath) as f:
        for ln in f:
            mid, rc = ln.split()
            ok[mid] = rc.split(",")
    bad = 0
    seen = {}
    files = 0
    for user in USERS:
        for sub in ("new", "cur", "tmp"):
            d = os.path.join(root, DOMAIN, user, sub)
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                files += 1
                with open(os.path.join(d, name), "rb") as f:
                    data = f.read().decode("latin-1")
                lines = data.split("\n")
                if not lines[0].startswith("Received: "):
                    print("no Received: in %s/%s" % (d, name))
                    bad += 1
                    continue
                k = 1
                while k < len(lines) and lines[k][:1] in (" ", "\t"):
                    k += 1
                rest = "\n".join(lines[k:])
                mid = None
                for ln in lines[k:]:
                    if ln.startswith("Message-ID: "):
                        mid = ln[12:]
                        break
                    if ln == "":
                        break
                if mid is None or rest != message_for(mid):
                    print("partial or wrong message %s/%s (%s)" %
                          (d, name, mid))
                    bad += 1
                    continue
                if sub == "tmp":
                    if mid in ok:
                        print("acknowledged %s only in tmp/" % mid)
                        bad += 1
                    continue
                key = (user, mid)
                seen[key] = seen.get(key, 0) + 1
    for key, n in seen.items():
        if n != 1:
            print("%s in %s %d times" % (key[1], key[0], n))
            bad += 1
    missing = 0
    for mid, rc in ok.items():
        for r in rc:
            if seen.get((r.split("@")[0], mid), 0) != 1:
                missing += 1
                bad += 1
                print("acknowledged %s missing for %s" % (mid, r))
    extra = sum(1 for (u, mid) in seen if mid not in ok)
    print("checked: %d files, %d acknowledged messages, %d copies, "
          "%d unacknowledged but delivered, %d missing, %d problems" %
          (files, len(ok), sum(seen.values()), extra, missing, bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        return send(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                    sys.argv[5])
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
