package io.torgate.torpool.testnet;

import io.torgate.torpool.process.Torrc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The torrc of every role in the test network. The options and the reasons for them come from measurements
 * on this machine (see the testnet facts note): short voting intervals so a consensus appears within seconds,
 * per-relay loopback addresses so tor's exit-enclave logic does not funnel everything to one exit, no
 * directory caches on relays (they lagged and stalled clients), equal measured bandwidths so exit choice stays
 * even, and exit policies that microdescriptor clients read as "exits" while keeping path-bias probes off.
 */
final class RelayTorrcs {

    /** Seconds between consensuses; with 2 s vote and distribution delays this is tor's testing minimum. */
    static final int VOTING_INTERVAL = 10;
    static final int VOTE_DELAY = 2;
    static final int DIST_DELAY = 2;

    /**
     * Files shared by all relays of a network, and the per-launch facts that go into each torrc:
     * {@code rejectedPort} is the port the rejecting exit's policy refuses (see {@link Topology}).
     */
    record Context(Path emptyGeoIp, Path resolvConf, Path bandwidths, int votingStartOffset, long ownerPid,
                   int rejectedPort) {
        Context withVotingStartOffset(int offset) {
            return new Context(emptyGeoIp, resolvConf, bandwidths, offset, ownerPid, rejectedPort);
        }
    }

    private RelayTorrcs() {
    }

    /**
     * What a client of the network needs on top of {@link #network}: {@code TestingTorNetwork 1} turns
     * EnforceDistinctSubnets off, and a client should keep tor's /16 rule, which the network's addresses make
     * observable (relays themselves keep testing mode's default; their own circuits do not matter).
     */
    static Torrc client(NetworkLayout layout) {
        return network(layout).set("EnforceDistinctSubnets", 1);
    }

    /** What every node of the network, clients included, needs: testing mode, the authorities, the schedule. */
    static Torrc network(NetworkLayout layout) {
        Torrc t = new Torrc().set("TestingTorNetwork", 1);
        for (RelaySpec a : layout.authorities()) {
            t.set("DirAuthority", a.nickname() + " orport=" + a.orPort() + " no-v2 v3ident=" + a.v3ident()
                    + " " + a.address() + ":" + a.dirPort() + " " + a.fingerprint());
        }
        return t.set("TestingV3AuthInitialVotingInterval", VOTING_INTERVAL)
                .set("TestingV3AuthInitialVoteDelay", VOTE_DELAY)
                .set("TestingV3AuthInitialDistDelay", DIST_DELAY)
                .set("V3AuthVotingInterval", VOTING_INTERVAL)
                .set("V3AuthVoteDelay", VOTE_DELAY)
                .set("V3AuthDistDelay", DIST_DELAY);
    }

    static Torrc relay(RelaySpec r, Path dataDir, NetworkLayout layout, Context ctx) {
        Torrc t = network(layout)
                .set("DataDirectory", dataDir)
                .set("Nickname", r.nickname())
                .set("ContactInfo", "torgate-testnet@localhost")
                // Without this every node would try to bind 127.0.0.1:9050 and all but one would die.
                .set("SocksPort", 0)
                .set("Address", r.address())
                .set("ORPort", r.address() + ":" + r.orPort())
                .set("AssumeReachable", 1)
                .set("Log", "notice stdout")
                .set("SafeLogging", 0)
                // GeoIP tables cost ~60 MB of RSS per relay and mean nothing on 127.0.0.0/8.
                .set("GeoIPFile", ctx.emptyGeoIp())
                .set("GeoIPv6File", ctx.emptyGeoIp())
                // KIST left one loopback circuit at ~7 MB/s with the CPU idle; Vanilla gave ~25 MB/s.
                .set("Schedulers", "Vanilla")
                // No internet here: never let a relay talk to the system's resolvers; the network's own one
                // answers every name NXDOMAIN (NxDomainResolver), so exits fail unknown names at once.
                .set("ServerDNSResolvConfFile", ctx.resolvConf())
                .set("ServerDNSDetectHijacking", 0)
                // Tor exits on its own if this JVM dies without closing the network (e.g. killed by a timeout).
                .set("__OwningControllerProcess", ctx.ownerPid());
        // Tor counts a family only when each member names the other, so both members of the pair declare it.
        family(r, layout).forEach(fp -> t.set("MyFamily", "$" + fp));
        switch (r.role()) {
            case AUTHORITY -> authority(t, r, layout, ctx);
            case MIDDLE -> nonExit(t.set("DirCache", 0));
            case EXIT -> exit(t.set("DirCache", 0), rejectedPorts(r, layout, ctx));
        }
        return t;
    }

    /** The fingerprints {@code r} names in {@code MyFamily}: its peer in the family pair, if it is in it. */
    static Set<String> family(RelaySpec r, NetworkLayout layout) {
        return layout.topology().familyPeer(r.nickname()).flatMap(layout::find).map(p -> Set.of(p.fingerprint()))
                .orElse(Set.of());
    }

    /** The ports {@code r}'s exit policy rejects: the rejected port for the rejecting exit, none otherwise. */
    static Set<Integer> rejectedPorts(RelaySpec r, NetworkLayout layout, Context ctx) {
        return layout.topology().rejectingExit().filter(r.nickname()::equals).isPresent()
                ? Set.of(ctx.rejectedPort()) : Set.of();
    }

    private static void authority(Torrc t, RelaySpec r, NetworkLayout layout, Context ctx) {
        List<String> exits = layout.relays().stream().filter(x -> x.role() == TestRelay.Role.EXIT)
                .map(RelaySpec::fingerprint).toList();
        t.set("DirPort", r.address() + ":" + r.dirPort())
                .set("AuthoritativeDirectory", 1)
                .set("V3AuthoritativeDirectory", 1)
                .set("V3AuthNIntervalsValid", 2)
                // Shift the voting schedule so the first vote falls just after every relay has uploaded its
                // descriptor, instead of up to a whole interval later.
                .set("TestingV3AuthVotingStartOffset", ctx.votingStartOffset())
                // Exit flags only on the exits, so the consensus says exactly what tests expect.
                .set("TestingDirAuthVoteExit", String.join(",", exits))
                .set("TestingDirAuthVoteGuard", "*")
                .set("TestingDirAuthVoteHSDir", "*")
                // Otherwise some fresh relays were voted without Fast/Stable.
                .set("AuthDirFastGuarantee", 1)
                .set("AuthDirVoteStableGuaranteeMinUptime", 0)
                // Vote Running for every relay that uploaded a descriptor instead of probing it. The probe runs
                // once on a new descriptor and then only every ~21 min per relay, so one probe lost to a busy CPU
                // kept a relay out of the consensus for good. Descriptors are wiped at launch (see
                // TestNetwork), so "known" means "uploaded during this run".
                .set("AuthDirTestReachability", 0)
                // Equal measured weights: exit choice stayed even after bulk downloads only with this.
                .set("V3BandwidthsFile", ctx.bandwidths());
        nonExit(t);
    }

    private static void nonExit(Torrc t) {
        t.set("ExitRelay", 0).set("ExitPolicy", "reject *:*");
    }

    private static void exit(Torrc t, Set<Integer> rejectedPorts) {
        t.set("ExitRelay", 1)
                .set("ExitPolicyRejectPrivate", 0)
                .set("ExitPolicyRejectLocalInterfaces", 0)
                .set("RefuseUnknownExits", 0);
        exitPolicy(rejectedPorts).forEach(rule -> t.set("ExitPolicy", rule));
    }

    /**
     * An exit's policy, rule by rule (also what the Onionoo document shows). A policy accepting only 127.0.0.0/8
     * is summarised as "reject all" in microdescriptors and clients then see no exits; 0.0.0.0/8 is rejected to
     * keep clients' path-bias probes off. Rejected ports come first, so the rejection also holds for
     * 127.0.0.0/8, where the destinations are (tor applies the first matching rule).
     */
    static List<String> exitPolicy(Set<Integer> rejectedPorts) {
        List<String> rules = new ArrayList<>();
        rejectedPorts.stream().sorted().forEach(port -> rules.add("reject *:" + port));
        rules.addAll(List.of("accept 127.0.0.0/8:*", "reject 0.0.0.0/8:*", "accept *:*"));
        return rules;
    }

    /**
     * The offset that makes the first consensus of a network launched at {@code launchEpochSecond} become
     * valid {@code leadSeconds} later: tor starts voting intervals where {@code (t - offset) % interval == 0}.
     */
    static int votingStartOffset(long launchEpochSecond, int leadSeconds) {
        return (int) Math.floorMod(launchEpochSecond + leadSeconds, (long) VOTING_INTERVAL);
    }

    /** The first consensus time (epoch second) after {@code epochSecond} under {@code offset}. */
    static long nextConsensusAfter(long epochSecond, int offset) {
        long b = epochSecond + 1;
        return b + Math.floorMod(offset - b, (long) VOTING_INTERVAL);
    }

    /** Seconds from the start of a vote to the consensus it makes. */
    static int voteToConsensusSeconds() {
        return VOTE_DELAY + DIST_DELAY;
    }

    /** The v3 bandwidth file (format 1.0.0): a timestamp line, then the same weight for every relay. */
    static String bandwidthFile(NetworkLayout layout, long nowEpochSecond) {
        StringBuilder sb = new StringBuilder().append(nowEpochSecond).append('\n');
        for (RelaySpec r : layout.relays()) {
            sb.append("node_id=$").append(r.fingerprint()).append(" bw=1000\n");
        }
        return sb.toString();
    }
}
