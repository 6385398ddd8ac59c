package com.$ORG.$PKG;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class $C {
    private final Map<String, Long> balances = new HashMap<>();
    private final List<String> journal = new ArrayList<>();

    public void post(String account, long cents) {
        long current = balances.getOrDefault(account, 0L);
        balances.put(account, current + cents);
        journal.add(account + ":" + cents);
    }

    public long balance(String account) {
        Long value = balances.get(account);
        return value == null ? 0L : value;
    }

    public int load(String path) throws IOException {
        int count = 0;
        try (BufferedReader in = new BufferedReader(new FileReader(path))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(",");
                post(parts[0], Long.parseLong(parts[1]));
                count++;
            }
        }
        return count;
    }

    public static void main(String[] args) throws IOException {
        $C ledger = new $C();
        int count = ledger.load(args[0]);
        System.out.println("loaded " + count + " postings");
        System.out.println("cash = " + ledger.balance("cash"));
    }
}
