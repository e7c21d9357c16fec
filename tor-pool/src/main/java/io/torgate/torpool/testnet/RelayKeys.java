package io.torgate.torpool.testnet;

import io.torgate.torpool.process.TorBinary;
import io.torgate.torpool.process.TorNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes and reads relay identities: the relay identity key (tor makes it on {@code --list-fingerprint}) and,
 * for directory authorities, the v3 authority identity key, signing key and certificate (made by
 * {@code tor-gencert}). Existing keys are kept, which is what makes a warm start cheap.
 */
final class RelayKeys {

    private static final Pattern HEX40 = Pattern.compile("\\b([0-9A-F]{40})\\b");

    private final TorBinary tor;

    RelayKeys(TorBinary tor) {
        this.tor = tor;
    }

    /** Creates {@code dir} (and parents) with mode 0700, which tor insists on for a DataDirectory. */
    static Path privateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /** The relay's identity fingerprint (40 upper-case hex), generating its keys first if it has none. */
    String relayFingerprint(Path dataDir) throws IOException, InterruptedException {
        Path fpFile = dataDir.resolve("fingerprint");
        if (Files.isRegularFile(dataDir.resolve("keys/secret_id_key")) && Files.isRegularFile(fpFile)) {
            Matcher m = HEX40.matcher(Files.readString(fpFile));
            if (m.find()) {
                return m.group(1);
            }
        }
        privateDir(dataDir);
        String out = run(List.of(tor.path().toString(), "--quiet", "--ignore-missing-torrc", "--defaults-torrc", "/dev/null",
                "--list-fingerprint", "--orport", "1", "--datadirectory", dataDir.toString()), dataDir);
        // "Unnamed 8401 049D ... 6B27": the nickname, then the fingerprint in groups of four
        String[] words = out.strip().split("\\s+", 2);
        Matcher m = HEX40.matcher(words.length == 2 ? words[1].replace(" ", "") : "");
        if (!m.find()) {
            throw new IOException("tor --list-fingerprint printed no fingerprint for " + dataDir + ": " + out.strip());
        }
        return m.group(1);
    }

    /**
     * Makes sure {@code dataDir/keys} holds an authority identity key and a certificate naming
     * {@code address:dirPort}; keeps an existing identity key (so the v3ident stays the same) and only
     * re-signs the certificate when the address changed. Returns the v3ident (the certificate's fingerprint).
     */
    String authorityV3Ident(Path dataDir, String address, int dirPort) throws IOException, InterruptedException, TorNotFoundException {
        Path keys = privateDir(dataDir.resolve("keys"));
        Path cert = keys.resolve("authority_certificate");
        String dirAddress = address + ":" + dirPort;
        boolean haveIdentity = Files.isRegularFile(keys.resolve("authority_identity_key"));
        if (haveIdentity && Files.isRegularFile(cert) && Files.isRegularFile(keys.resolve("authority_signing_key"))
                && Files.readString(cert).contains("dir-address " + dirAddress + "\n")) {
            return v3identOf(cert);
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(tor.torGencert().toString()));
        if (!haveIdentity) {
            cmd.add("--create-identity-key");
        }
        // An empty passphrase on stdin (we give it /dev/null): these keys only ever sign a loopback test network.
        cmd.addAll(List.of("--passphrase-fd", "0", "-m", "12", "-a", dirAddress));
        run(cmd, keys);
        return v3identOf(cert);
    }

    private static String v3identOf(Path cert) throws IOException {
        for (String line : Files.readAllLines(cert, StandardCharsets.US_ASCII)) {
            if (line.startsWith("fingerprint ")) {
                return line.substring("fingerprint ".length()).strip().toUpperCase(Locale.ROOT);
            }
        }
        throw new IOException(cert + " has no fingerprint line");
    }

    private static String run(List<String> cmd, Path workDir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " did not finish within 60 s in " + workDir);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + ") in " + workDir + ": " + out.strip());
        }
        return out;
    }
}
