// Real JVM program logging with log4j2 2.19 (Debian liblog4j2-java): a thread-pool job runner that
// parses real files (/usr/share/common-licenses, /etc), checksums them, talks to a local TCP port
// that refuses connections (retry with backoff), hits NumberFormatException / FileNotFoundException /
// a wrapped "Caused by" chain, and shuts the pool down. Usage: see java.sh
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import java.io.*;
import java.net.*;
import java.nio.file.*;
import java.security.MessageDigest;
import java.util.*;
import java.util.concurrent.*;

public class JobRunner {
    static final Logger log = LogManager.getLogger("com.acme.jobs.JobRunner");
    static final Logger dao = LogManager.getLogger("com.acme.jobs.store.ChecksumDao");
    static final Logger net = LogManager.getLogger("com.acme.jobs.net.UplinkClient");

    static class StoreException extends Exception { StoreException(String m, Throwable c) { super(m, c); } }

    static String sha(byte[] b) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256"); StringBuilder s = new StringBuilder();
        for (byte x : md.digest(b)) s.append(String.format("%02x", x)); return s.toString();
    }
    static void store(String name, String sum) throws StoreException {
        try { if (name.contains("GPL")) Integer.parseInt(name.replace("GPL-", "v")); dao.debug("stored checksum {} for {}", sum.substring(0, 12), name); }
        catch (NumberFormatException e) { throw new StoreException("cannot derive version key for " + name, e); }
    }
    static int job(Path p) throws Exception {
        long t0 = System.nanoTime();
        byte[] b = Files.readAllBytes(p);
        String sum = sha(b);
        int lines = b.length == 0 ? 0 : new String(b).split("\n").length;
        store(p.getFileName().toString(), sum);
        log.info("job done file={} bytes={} lines={} took={}us", p, b.length, lines, (System.nanoTime() - t0) / 1000);
        return lines;
    }
    static void uplink(int attempt) throws IOException {
        try (Socket s = new Socket()) { s.connect(new InetSocketAddress("127.0.0.1", 17777), 300); }
    }
    public static void main(String[] a) throws Exception {
        log.info("JobRunner starting, java={} cpus={}", System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        List<Path> files = new ArrayList<>();
        for (String d : new String[]{"/usr/share/common-licenses", "/etc/ssh", "/etc/nginx", "/etc/redis", "/etc/does-not-exist"}) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(Paths.get(d))) { for (Path p : ds) files.add(p); }
            catch (IOException e) { log.warn("skipping directory {}: {}", d, e.toString()); }
        }
        files.add(Paths.get("/etc/nginx/ghost.conf"));
        Collections.sort(files);
        log.info("queued {} jobs", files.size());
        ExecutorService pool = Executors.newFixedThreadPool(3, r -> { Thread t = new Thread(r); t.setName("worker-" + t.getId()); return t; });
        List<Future<Integer>> fs = new ArrayList<>();
        for (Path p : files) fs.add(pool.submit(() -> {
            try { return job(p); }
            catch (StoreException e) { log.error("job failed for " + p, e); throw e; }
            catch (NoSuchFileException e) { log.error("input vanished: {}", p); throw e; }
            catch (AccessDeniedException e) { log.warn("permission denied reading {}", p); throw e; }
            catch (IOException e) { log.warn("I/O problem on {}: {}", p, e.getMessage()); throw e; }
        }));
        int ok = 0, bad = 0;
        for (Future<Integer> f : fs) { try { f.get(5, TimeUnit.SECONDS); ok++; } catch (ExecutionException e) { bad++; } }
        log.info("batch finished ok={} failed={}", ok, bad);
        for (int attempt = 1; attempt <= 6; attempt++) {
            try { uplink(attempt); break; }
            catch (IOException e) {
                long backoff = 50L << attempt;
                net.warn("uplink connect attempt {} failed: {} - retrying in {}ms", attempt, e.getMessage(), backoff);
                if (attempt == 6) net.error("giving up on uplink after " + attempt + " attempts", e);
                else Thread.sleep(backoff);
            }
        }
        for (int i = 0; i < 40; i++) { log.debug("heartbeat seq={} queue=0 active={}", i, ((ThreadPoolExecutor) pool).getActiveCount()); Thread.sleep(5); }
        pool.shutdown();
        if (!pool.awaitTermination(2, TimeUnit.SECONDS)) log.error("pool did not terminate");
        try { Object o = null; o.hashCode(); } catch (NullPointerException e) { log.fatal("unexpected state during shutdown", e); }
        log.info("JobRunner stopped");
    }
}
