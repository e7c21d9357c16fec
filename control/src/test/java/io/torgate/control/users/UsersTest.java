package io.torgate.control.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsersTest {

    private static Users users() {
        Map<String, Password> m = new LinkedHashMap<>();
        m.put("alice", Password.parse("secret"));
        m.put("bob", Password.parse(Pbkdf2.hash("b0b", Pbkdf2.MIN_ITERATIONS)));
        return Users.of(m);
    }

    @Test
    void eachUserLogsInWithItsOwnPasswordPlainOrHashed() {
        Users users = users();
        assertThat(users.checkMayBeSlow("bob", "b0b")).as("bob's hash is not verified yet").isTrue();
        assertThat(users.checkMayBeSlow("alice", "secret")).as("plain").isFalse();
        assertThat(users.usersConfigured()).isTrue();
        assertThat(users.names()).containsExactly("alice", "bob");
        assertThat(users.authenticate("alice", "secret")).isTrue();
        assertThat(users.authenticate("bob", "b0b")).isTrue();
        assertThat(users.checkMayBeSlow("bob", "b0b")).as("verified once: the right password by its tag").isFalse();
        assertThat(users.checkMayBeSlow("bob", "wrong")).as("a wrong one still pays the PBKDF2").isTrue();
        assertThat(users.authenticate("alice", "b0b")).isFalse();
        assertThat(users.authenticate("bob", "secret")).isFalse();
        assertThat(users.authenticate("Alice", "secret")).isFalse();
        assertThat(users.authenticate("mallory", "secret")).isFalse();
        assertThat(users.authenticate(null, "secret")).isFalse();
        assertThat(users.authenticate("alice", null)).isFalse();
        assertThat(users.checkMayBeSlow("mallory", "secret")).as("unknown users pay a PBKDF2 like bob's").isTrue();
        assertThat(users.checkMayBeSlow(null, "secret")).isTrue();
    }

    /** No user enumeration by timing: an unknown user's login costs a PBKDF2 at the costliest configured hash. */
    @Test
    void unknownUsersAreCheckedAgainstADecoyAsCostlyAsTheCostliestHash() {
        Users mixed = Users.of(Map.of("alice", Password.parse("secret"),
                "bob", Password.parse(Pbkdf2.hash("b", Pbkdf2.MIN_ITERATIONS)),
                "carol", Password.parse(Pbkdf2.hash("c", 2 * Pbkdf2.MIN_ITERATIONS))));
        assertThat(mixed.decoy()).isInstanceOf(HashedPassword.class);
        assertThat(((HashedPassword) mixed.decoy()).iterations()).isEqualTo(2 * Pbkdf2.MIN_ITERATIONS);
        assertThat(mixed.authenticate("mallory", "c")).isFalse();
        assertThat(mixed.decoy().checkMayBeSlow("c")).as("never verified: always the full PBKDF2").isTrue();

        Users plain = Users.of(Map.of("alice", Password.parse("secret")));
        assertThat(plain.decoy()).as("only plain passwords: a plain decoy").isInstanceOf(PlainPassword.class);
        assertThat(plain.checkMayBeSlow("mallory", "x")).isFalse();
    }

    @Test
    void noUsersMeansNoLogin() {
        assertThat(Users.of(Map.of())).isSameAs(Users.NONE);
        assertThat(Users.NONE.usersConfigured()).isFalse();
        assertThat(Users.NONE.authenticate("anyone", "anything")).isFalse();
    }

    @Test
    void toStringNamesUsersButNeverPasswords() {
        assertThat(users().toString()).isEqualTo("Users[alice, bob]").doesNotContain("secret");
    }

    @Test
    void liveUsersSwapsInOneStep() {
        LiveUsers live = new LiveUsers(users());
        assertThat(live.authenticate("alice", "secret")).isTrue();
        live.update(Users.of(Map.of("carol", Password.parse("c"))));
        assertThat(live.authenticate("alice", "secret")).isFalse();
        assertThat(live.authenticate("carol", "c")).isTrue();
        assertThat(live.usersConfigured()).isTrue();
        live.update(Users.NONE);
        assertThat(live.usersConfigured()).isFalse();
    }
}
