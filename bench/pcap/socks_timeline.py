#!/usr/bin/env python3
"""Where the milliseconds of a SOCKS5 connect go, from a loopback packet capture of TorPairedLatency.

  tcpdump -i lo -s 200 -w cap.pcap 'tcp port TOR or tcp port TORGATE or tcp port WHOAMI'
  tcpdump -r cap.pcap -tt -nn > cap.txt
  bench/pcap/socks_timeline.py cap.txt --tor TOR --torgate TORGATE --whoami WHOAMI [--flows] [--or-links]

Prints, per path, each step's p50/p90/p99 (ms): the client's turns, tor's replies, torgate's own processing
(CONNECT request -> upstream SYN, upstream reply -> client reply), tor's stream set-up on both paths; then the
Nagle checks: how late torgate ACKs tor's 2-byte login reply, how many CONNECT replies and HTTP bodies a sender
held until a late (delayed) ACK. --or-links does the same hold count on tor's relay links (a capture of all of
lo is needed); --flows prints every connection's packet timeline.
"""
import argparse
import collections
import re

LINE = re.compile(r'^(\d+\.\d+) IP ([\d.]+)\.(\d+) > ([\d.]+)\.(\d+): Flags \[([^\]]*)\].*?length (\d+)')
LATE_ACK_MS = 20     # an ACK this long after the data it acknowledges was delayed, not immediate
RELEASE_MS = 1.0     # a segment leaving this soon after such an ACK was waiting for it (Nagle)


def read(path):
    for line in open(path):
        m = LINE.match(line)
        if m:
            t, sa, sp, da, dp, flags, n = m.groups()
            yield float(t) * 1000, (sa, int(sp)), (da, int(dp)), flags, int(n)


def flows(path, ports):
    """{(client port, server name): [(ms, '->' or '<-', flags, length)]}, in capture order."""
    out = collections.OrderedDict()
    for t, src, dst, flags, n in read(path):
        if dst[1] in ports:
            out.setdefault((src[1], ports[dst[1]]), []).append((t, '->', flags, n))
        elif src[1] in ports:
            out.setdefault((dst[1], ports[src[1]]), []).append((t, '<-', flags, n))
    return out


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, -(-p * len(v) // 100) - 1))] if v else float('nan')


def line(name, v):
    if not v:
        return f"  {name:54s} n=  0"
    return (f"  {name:54s} n={len(v):4d} p50={pct(v, 50):7.3f} p90={pct(v, 90):7.3f} p99={pct(v, 99):7.3f}"
            f" mean={sum(v) / len(v):7.3f}")


def held_after_late_ack(pk, first_index, second_index, toward):
    """Did segment second_index (direction toward) leave just after a late ACK of segment first_index?"""
    first, second = pk[first_index][0], pk[second_index][0]
    back = '->' if toward == '<-' else '<-'
    acks = [p for p in pk[first_index + 1:second_index] if p[1] == back]
    return bool(acks) and acks[0][0] - first > LATE_ACK_MS and second - acks[0][0] < RELEASE_MS


def analyse(fl):
    steps = collections.OrderedDict()

    def add(k, v):
        steps.setdefault(k, []).append(v)

    upstream = [pk for (c, k), pk in fl.items() if k == 'tor' and next((p for p in pk if p[3]), (0, 0, 0, 0))[3] > 20]
    login_ack, connect_held, body_held, bodies = [], 0, collections.Counter(), collections.Counter()
    for (cport, kind), pk in fl.items():
        data = [i for i, p in enumerate(pk) if p[3] > 0]
        if kind == 'tor' and data and pk[data[0]][3] > 20:          # torgate's pipelined upstream
            replies = [i for i in data if pk[i][1] == '<-']
            if len(replies) >= 2 and pk[replies[0]][3] == 2:
                ack = next((p for p in pk[replies[0] + 1:] if p[1] == '->'), None)
                if ack:
                    login_ack.append(ack[0] - pk[replies[0]][0])
                connect_held += held_after_late_ack(pk, replies[0], replies[1], '<-')
            if len(replies) < 2:
                continue
            path, connect_reply = 'torgate upstream', replies[1]
        elif kind == 'tor' and len(data) >= 6 and [pk[i][1] for i in data[:6]] == ['->', '<-'] * 3:
            d = [pk[i][0] for i in data[:6]]
            add('direct: tor greeting reply', d[1] - d[0])
            add('direct: client turn', d[2] - d[1])
            add('direct: tor login reply', d[3] - d[2])
            add('direct: client turn ', d[4] - d[3])
            add('direct: tor CONNECT reply (stream set-up)', d[5] - d[4])
            add('direct: SYN -> CONNECT reply', d[5] - pk[0][0])
            path, connect_reply = 'direct client', data[5]
        else:
            continue
        # The HTTP answer: tor's segments after the client's request; a second one held for a late ACK?
        request = next((i for i in data if pk[i][1] == '->' and i > connect_reply), None)
        answer = [i for i in data if request is not None and i > request and pk[i][1] == '<-']
        if answer:
            bodies[path] += 1
            if len(answer) >= 2 and held_after_late_ack(pk, answer[0], answer[1], '<-'):
                body_held[path] += 1
    for (cport, kind), pk in fl.items():
        if kind != 'torgate':
            continue
        data = [p for p in pk if p[3] > 0]
        if len(data) < 4:
            continue
        creq, crep = data[2][0], data[3][0]
        match = [u for u in upstream if creq <= u[0][0] <= crep]
        if not match:
            continue
        u = match[0]
        ud = [p for p in u if p[3] > 0]
        urep = [p for p in ud if p[1] == '<-' and p[3] >= 10]
        if not urep:
            continue
        add('torgate: greeting reply', data[1][0] - data[0][0])
        add('torgate: client turn', data[2][0] - data[1][0])
        add('torgate: own, CONNECT -> upstream SYN', u[0][0] - creq)
        add('torgate: upstream SYN -> pipelined request', ud[0][0] - u[0][0])
        add('torgate: tor request -> CONNECT reply (stream set-up)', urep[0][0] - ud[0][0])
        add('torgate: own, upstream reply -> client reply', crep - urep[0][0])
        add('torgate: SYN -> CONNECT reply', crep - pk[0][0])
    for k, v in steps.items():
        print(line(k, v))
    print(line("torgate's ACK of tor's login reply (01 00)", login_ack))
    print(f"  CONNECT replies tor held until a late ACK of 01 00: {connect_held} of {len(upstream)}")
    for path in bodies:
        print(f"  HTTP answers whose 2nd segment tor held until a late ACK ({path}): {body_held[path]} of {bodies[path]}")


def or_links(path, skip_ports):
    """Nagle holds on tor's relay links: connections between 127.0.0.1 and a relay's own 127.0.0.x address."""
    links = collections.defaultdict(list)
    for t, src, dst, flags, n in read(path):
        if src[1] in skip_ports or dst[1] in skip_ports or src[0] == dst[0]:
            continue
        links[tuple(sorted([src, dst]))].append((t, src, n))
    total = held = 0
    for pk in links.values():
        last = {}
        for i, (t, src, n) in enumerate(pk):
            if n == 0:
                continue
            total += 1
            if src in last:
                j = last[src]
                acks = [p for p in pk[j + 1:i] if p[1] != src]
                if acks and acks[0][0] - pk[j][0] > LATE_ACK_MS and t - acks[0][0] < RELEASE_MS:
                    held += 1
            last[src] = i
    print(f"  relay links: {len(links)}, data segments {total}, held until a late ACK of the previous one: {held}")


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('capture', help='tcpdump -tt -nn text')
    a.add_argument('--tor', type=int, required=True)
    a.add_argument('--torgate', type=int, required=True)
    a.add_argument('--whoami', type=int, required=True)
    a.add_argument('--flows', action='store_true')
    a.add_argument('--or-links', action='store_true')
    args = a.parse_args()
    ports = {args.tor: 'tor', args.torgate: 'torgate', args.whoami: 'whoami'}
    fl = flows(args.capture, ports)
    if args.flows:
        for (cport, kind), pk in fl.items():
            print(f"== :{cport} -> {kind}")
            for t, d, flags, n in pk:
                print(f"  {t - pk[0][0]:9.3f} ms  {d} {flags:4s} len {n}")
    analyse(fl)
    if args.or_links:
        or_links(args.capture, set(ports))


if __name__ == '__main__':
    main()
