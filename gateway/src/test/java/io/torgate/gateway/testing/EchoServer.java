package io.torgate.gateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** Echoes every byte back; on EOF it half-closes its side too, so half-close can be observed end to end. */
public final class EchoServer extends LoopbackServer {

    public EchoServer() throws IOException {
        super();
    }

    @Override
    protected void serve(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        socket.shutdownOutput();
    }
}
