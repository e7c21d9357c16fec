package io.torgate.control.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsersFileTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("users.yaml"), yaml);
    }

    @Test
    void goodFileAuthenticatesEachUserWithItsOwnPassword() throws Exception {
        Users users = UsersFile.load(write("""
                users:
                  alice:
                    password: secret
                  bob.2:
                    password: "p@ss word: with colon"
                  c_3:
                    password: '1234'
                """));
        assertThat(users.usersConfigured()).isTrue();
        assertThat(users.names()).containsExactlyInAnyOrder("alice", "bob.2", "c_3");
        assertThat(users.authenticate("alice", "secret")).isTrue();
        assertThat(users.authenticate("bob.2", "p@ss word: with colon")).isTrue();
        assertThat(users.authenticate("c_3", "1234")).isTrue();

        assertThat(users.authenticate("alice", "Secret")).isFalse();
        assertThat(users.authenticate("alice", "secret ")).isFalse();
        assertThat(users.authenticate("alice", "")).isFalse();
        assertThat(users.authenticate("alice", "p@ss word: with colon")).isFalse();
        assertThat(users.authenticate("mallory", "secret")).isFalse();
        assertThat(users.authenticate("Alice", "secret")).isFalse();
        assertThat(users.authenticate(null, "secret")).isFalse();
        assertThat(users.authenticate("alice", null)).isFalse();
    }

    @Test
    void toStringNamesUsersButNeverPasswords() throws Exception {
        Users users = UsersFile.load(write("users:\n  alice:\n    password: hunter2\n"));
        assertThat(users.toString()).contains("alice").doesNotContain("hunter2");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> UsersFile.load(missing))
                .isInstanceOf(UsersFileException.class)
                .hasMessage("users file " + missing + ": no such file");
    }

    @Test
    void badYamlNamesFileAndLineButNotTheLinesText() throws Exception {
        Path file = write("users:\n  alice:\n    password: \"unterminated-hunter2\n");
        assertThatThrownBy(() -> UsersFile.load(file))
                .isInstanceOf(UsersFileException.class)
                .hasMessageStartingWith("users file " + file + ": not valid YAML: line ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void duplicateUserIsRejectedNotSilentlyReplaced() throws Exception {
        Path file = write("users:\n  alice:\n    password: a\n  alice:\n    password: b\n");
        assertThatThrownBy(() -> UsersFile.load(file))
                .isInstanceOf(UsersFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("Duplicate field 'alice'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                                                  | the file is empty",
            "'# only a comment'                                  | the file is empty",
            "'- alice'                                           | expected a map with the key 'users', found a list",
            "'users:'                                            | users: missing",
            "'users: alice'                                      | users: expected a map of user names, found a string",
            "'users: {}'                                         | users: no users defined",
            "'user:\n  alice:\n    password: x'                  | user: unknown key; expected users",
            "'users:\n  alice:'                                  | users.alice: expected a map with 'password', found nothing",
            "'users:\n  alice: secret'                           | users.alice: expected a map with 'password', found a string",
            "'users:\n  alice: {}'                               | users.alice.password: missing",
            "'users:\n  alice:\n    pasword: x'                  | users.alice.pasword: unknown key; expected password",
            "'users:\n  alice:\n    password:'                   | users.alice.password: missing",
            "'users:\n  alice:\n    password: \"\"'              | users.alice.password: must not be empty",
            "'users:\n  alice:\n    password: 1234'              | users.alice.password: must be a string; quote it (found a number)",
            "'users:\n  alice:\n    password: true'              | users.alice.password: must be a string; quote it (found a boolean)",
            "'users:\n  alice:\n    password: [a]'               | users.alice.password: must be a string; quote it (found a list)",
            "'users:\n  al-ice:\n    password: x'                | users.al-ice: a user name is 1 to 64 of A-Z a-z 0-9 _ .",
            "'users:\n  alice-country-de:\n    password: x'      | users.alice-country-de: a user name is",
            "'users:\n  al ice:\n    password: x'                | users.al ice: a user name is",
    })
    void invalidContentNamesFileKeyAndReason(String yaml, String expected) throws Exception {
        Path file = write(yaml.replace("\\n", "\n"));
        assertThatThrownBy(() -> UsersFile.load(file))
                .isInstanceOf(UsersFileException.class)
                .hasMessageStartingWith("users file " + file)
                .hasMessageContaining(expected);
    }

    @Test
    void passwordLongerThanSocks5AllowsIsRejected() throws Exception {
        Path file = write("users:\n  alice:\n    password: " + "x".repeat(256) + "\n");
        assertThatThrownBy(() -> UsersFile.load(file))
                .hasMessageContaining("users.alice.password: longer than 255 bytes");
        assertThat(UsersFile.load(write("users:\n  alice:\n    password: " + "x".repeat(255) + "\n"))
                .authenticate("alice", "x".repeat(255))).isTrue();
    }

    @Test
    void unreadableFileIsNamed() throws Exception {
        assertThatThrownBy(() -> UsersFile.load(dir))
                .isInstanceOf(UsersFileException.class)
                .hasMessageStartingWith("users file " + dir + ": cannot read");
    }
}
