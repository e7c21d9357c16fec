package io.torgate.torpool.directory;

/** The directory cannot open its state: the state directory is not writable or the disk is full. */
public final class NodeDirectoryException extends Exception {

    public NodeDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
