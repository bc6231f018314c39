package dev.berth.plugin.spec.impl;

import java.util.ArrayList;
import java.util.List;

/**
 * The contents of the bundle's {@code hostname}, {@code hosts} and {@code resolv.conf}, which the
 * container sees at {@code /etc}. Stateless.
 */
final class EtcFiles {
    private EtcFiles() {
    }

    /** {@code hostname} plus a newline. */
    static String hostname(String hostname) {
        return hostname + "\n";
    }

    /**
     * Docker's hosts file for a container without a network of its own (only loopback), plus a line
     * mapping the hostname to 127.0.1.1 so that it resolves.
     */
    static String hosts(String hostname) {
        return "127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\n"
                + "ff00::0\tip6-mcastprefix\n"
                + "ff02::1\tip6-allnodes\n"
                + "ff02::2\tip6-allrouters\n"
                + "127.0.1.1\t" + hostname + "\n";
    }

    /**
     * The host's resolv.conf without loopback nameservers, which would point into the container's own
     * network namespace (Docker drops them too); each dropped one is added to {@code decisions}. A host
     * without resolv.conf ({@code hostText} null) gives an empty file.
     */
    static String resolvConf(String hostText, String hostPath, List<String> decisions) {
        if (hostText == null) {
            decisions.add("empty /etc/resolv.conf: the host has no " + hostPath);
            return "";
        }
        List<String> kept = new ArrayList<>();
        boolean nameserverLeft = false;
        boolean dropped = false;
        for (String line : hostText.split("\n", -1)) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length >= 2 && fields[0].equals("nameserver")) {
                if (isLoopback(fields[1])) {
                    decisions.add("left nameserver " + fields[1] + " out of /etc/resolv.conf: loopback is "
                            + "the container's own");
                    dropped = true;
                    continue;
                }
                nameserverLeft = true;
            }
            kept.add(line);
        }
        if (dropped && !nameserverLeft) {
            decisions.add("/etc/resolv.conf has no nameserver: the host's are all on loopback");
        }
        return String.join("\n", kept);
    }

    private static boolean isLoopback(String address) {
        String bare = address.contains("%") ? address.substring(0, address.indexOf('%')) : address;
        return bare.startsWith("127.") || bare.equals("::1") || bare.equalsIgnoreCase("0:0:0:0:0:0:0:1");
    }
}
