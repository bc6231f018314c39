package dev.berth.plugin.pull.impl;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS context of the HTTP client that only ever sends plain HTTP (to registries marked insecure). The
 * JDK's client insists on one and would otherwise build the default, which finds the TLS provider and reads
 * the CA certificates: about 0.1 s and a few hundred classes at a daemon's first pull, for nothing. Any use of
 * this one fails, naming why: an https: URI never reaches that client.
 */
final class PlainHttpOnly extends SSLContextSpi {

    private PlainHttpOnly() {
    }

    /** A context that refuses every TLS use. */
    static SSLContext context() {
        return new SSLContext(new PlainHttpOnly(), null, "none") {
        };
    }

    private static final String REFUSED = "the plain-HTTP registry client has no TLS: an https: URI must use the TLS client";

    private static IllegalStateException refused() {
        return new IllegalStateException(REFUSED);
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
        throw new KeyManagementException(REFUSED);
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        throw refused();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        throw refused();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        throw refused();
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        throw refused();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        throw refused();
    }
}
