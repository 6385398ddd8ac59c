package com.$ORG.$PKG;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

public class $C<K, V> {
    private final int capacity;
    private final LinkedHashMap<K, V> entries;
    private long hits;
    private long misses;

    public $C(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > $C.this.capacity;
            }
        };
    }

    public Optional<V> get(K key) {
        V value = entries.get(key);
        if (value == null) {
            misses++;
            return Optional.empty();
        }
        hits++;
        return Optional.of(value);
    }

    public void put(K key, V value) {
        entries.put(key, value);
    }

    public double hitRate() {
        long total = hits + misses;
        return total == 0 ? 0.0 : (double) hits / total;
    }

    public static void main(String[] args) {
        $C<String, Integer> cache = new $C<>(3);
        for (String a : args) {
            if (!cache.get(a).isPresent()) {
                cache.put(a, a.length());
            }
        }
        System.out.printf("hit rate %.2f%n", cache.hitRate());
    }
}
