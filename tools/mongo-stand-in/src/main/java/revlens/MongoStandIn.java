// revlens Mongo stand-in: runs mongo-java-server on 127.0.0.1 for the local stack and tests.
//
// Usage: MongoStandIn --backend memory|h2 [--file PATH] --port P
// The H2 backend keeps its data in PATH; a shutdown hook closes the server so that
// SIGTERM flushes the H2 file. The server binds the loopback address only.
package revlens;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public final class MongoStandIn {
    private MongoStandIn() {
    }

    private static void usage(String why) {
        System.err.println("mongo-stand-in: " + why);
        System.err.println("usage: MongoStandIn --backend memory|h2 [--file PATH] --port P");
        System.exit(2);
    }

    public static void main(String[] args) {
        String backendName = "memory";
        String file = null;
        int port = -1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--backend" -> backendName = v;
                case "--file" -> file = v;
                case "--port" -> {
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                    if (port < 1 || port > 65535) {
                        usage("bad port: " + v);
                    }
                }
                default -> usage("unknown option: " + a);
            }
        }
        if (port < 0) {
            usage("--port is required");
        }
        MongoBackend backend;
        if (backendName.equals("memory")) {
            backend = new MemoryBackend();
        } else if (backendName.equals("h2")) {
            if (file == null || file.isEmpty()) {
                usage("--backend h2 needs --file PATH");
            }
            backend = new H2Backend(file);
        } else {
            usage("unknown backend: " + backendName);
            return;
        }
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mongo-stand-in-shutdown"));
        System.out.println("mongo-stand-in (" + backendName + ") listening on 127.0.0.1:" + port);
        System.out.flush();
    }
}
