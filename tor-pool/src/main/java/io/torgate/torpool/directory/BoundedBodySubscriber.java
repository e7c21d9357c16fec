package io.torgate.torpool.directory;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects a response body into a byte array but gives up, and cancels the download, as soon as it passes a
 * limit: a broken or hostile server cannot make us buffer an unbounded body.
 */
final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {

    /** The body passed the limit; mapped to {@link FailureReason#BODY_TOO_LARGE}. */
    static final class TooLargeException extends java.io.IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private final long max;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Flow.Subscription subscription;
    private long received;

    BoundedBodySubscriber(long max, long declaredLength) {
        this.max = max;
        if (declaredLength > max) {
            body.completeExceptionally(new TooLargeException("the server announces a body of " + declaredLength
                    + " bytes, more than the limit of " + max));
        }
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        if (body.isDone()) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            received += b.remaining();
            if (received > max) {
                subscription.cancel();
                body.completeExceptionally(new TooLargeException("the body is larger than the limit of " + max
                        + " bytes"));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            buffer.write(chunk, 0, chunk.length);
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(buffer.toByteArray());
    }
}
