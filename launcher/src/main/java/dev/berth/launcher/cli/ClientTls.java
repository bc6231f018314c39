package dev.berth.launcher.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The CLI's side of the daemon's TCP listener, which is served only with TLS and client certificates: the
 * folder {@code $BERTH_CERT_PATH} holds {@code ca.pem} (the daemon's CA), {@code cert.pem} and
 * {@code key.pem} (PKCS#8), as Docker's {@code DOCKER_CERT_PATH} does. The daemon's certificate must name the
 * host connected to. Immutable.
 */
record ClientTls(Path folder) {
    /** The environment variable naming the certificate folder. */
    static final String CERT_PATH_ENV = "BERTH_CERT_PATH";

    /** The settings {@code env} gives, or null when it names no folder. */
    static ClientTls fromEnvironment(java.util.Map<String, String> env) {
        String folder = env.getOrDefault(CERT_PATH_ENV, "");
        return folder.isBlank() ? null : new ClientTls(Path.of(folder));
    }

    /** Wraps a connected {@code socket} in TLS and completes the handshake with {@code host}. */
    Socket wrap(Socket socket, String host, int port) throws IOException {
        SSLContext context;
        try {
            context = context();
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("read the TLS files in " + folder + " ($" + CERT_PATH_ENV + "): " + e.getMessage(), e);
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    private SSLContext context() throws IOException, GeneralSecurityException {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int n = 0;
        for (Certificate ca : certificates(x509, folder.resolve("ca.pem"))) {
            trusted.setCertificateEntry("ca" + n++, ca);
        }
        List<Certificate> chain = certificates(x509, folder.resolve("cert.pem"));
        char[] none = new char[0];
        KeyStore own = KeyStore.getInstance("PKCS12");
        own.load(null, null);
        own.setKeyEntry("client", privateKey(folder.resolve("key.pem")), none, chain.toArray(Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(own, none);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static List<Certificate> certificates(CertificateFactory x509, Path file)
            throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<Certificate> all = new ArrayList<>(x509.generateCertificates(in));
            if (all.isEmpty()) {
                throw new GeneralSecurityException(file + " holds no certificate");
            }
            return all;
        }
    }

    /** A PKCS#8 PEM key ({@code BEGIN PRIVATE KEY}), RSA or EC. */
    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(file + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }
}
