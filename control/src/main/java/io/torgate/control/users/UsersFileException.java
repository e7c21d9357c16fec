package io.torgate.control.users;

/** A users file that cannot be used; the message names the file, the key and the reason. */
public final class UsersFileException extends Exception {
    public UsersFileException(String message) {
        super(message);
    }
}
