// Real JVM program logging with java.util.logging (SimpleFormatter, two-line records): replicates
// a directory tree to a temp dir with a worker pool, verifies sizes, fails on unreadable/missing
// files and a full "disk" (quota), logs SEVERE with stack traces, FINE progress, WARNING retries.
// Usage: see jul.sh
import java.io.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.logging.*;

public class JulReplicator {
    static final Logger LOG = Logger.getLogger("org.example.replica.Replicator");
    static final Logger QUOTA = Logger.getLogger("org.example.replica.QuotaGuard");
    static final AtomicLong used = new AtomicLong();
    static final long QUOTA_BYTES = 2_500_000;

    static class QuotaExceeded extends IOException { QuotaExceeded(String m) { super(m); } }

    static void copy(Path src, Path dst) throws IOException {
        long size = Files.size(src);
        if (used.addAndGet(size) > QUOTA_BYTES) { used.addAndGet(-size); throw new QuotaExceeded("quota of " + QUOTA_BYTES + " bytes exceeded by " + src); }
        Files.createDirectories(dst.getParent());
        Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
        if (Files.size(dst) != size) throw new IOException("size mismatch after copy: " + dst);
    }

    public static void main(String[] a) throws Exception {
        FileHandler fh = new FileHandler(a[0], false);
        fh.setFormatter(new SimpleFormatter()); fh.setLevel(Level.ALL);
        Logger root = Logger.getLogger(""); for (Handler h : root.getHandlers()) root.removeHandler(h);
        root.addHandler(fh); root.setLevel(Level.ALL); LOG.setLevel(Level.ALL);
        Path src = Paths.get(a[1]), dst = Files.createTempDirectory("replica");
        LOG.info("replicating " + src + " to " + dst);
        List<Path> files = new ArrayList<>();
        try (var s = Files.walk(src, 3)) { s.filter(Files::isRegularFile).sorted().forEach(files::add); }
        files.add(src.resolve("ghost/missing.txt"));
        LOG.config("found " + files.size() + " files, quota " + QUOTA_BYTES + " bytes");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (Path f : files) fs.add(pool.submit(() -> {
            Path d = dst.resolve(src.relativize(f));
            for (int attempt = 1; attempt <= 2; attempt++) {
                try { copy(f, d); LOG.fine("copied " + f + " (" + Files.size(f) + " bytes)"); ok.incrementAndGet(); return; }
                catch (QuotaExceeded e) { QUOTA.warning(e.getMessage()); failed.incrementAndGet(); return; }
                catch (NoSuchFileException e) { LOG.log(Level.SEVERE, "source vanished: " + f, e); failed.incrementAndGet(); return; }
                catch (AccessDeniedException e) { LOG.warning("access denied on " + f + ", attempt " + attempt); }
                catch (IOException e) { LOG.log(Level.SEVERE, "copy failed for " + f, e); failed.incrementAndGet(); return; }
            }
            failed.incrementAndGet();
        }));
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        LOG.info("replication finished: " + ok + " copied, " + failed + " failed, " + used.get() + " bytes used");
        if (failed.get() > 0) LOG.warning("replica is incomplete, " + failed + " files missing");
        try { Integer.parseInt(System.getProperty("replica.retries", "three")); }
        catch (NumberFormatException e) { LOG.log(Level.SEVERE, "bad replica.retries setting, using 1", new IllegalStateException("invalid configuration", e)); }
        LOG.finer("cleanup of " + dst + " skipped (kept for inspection)");
    }
}
