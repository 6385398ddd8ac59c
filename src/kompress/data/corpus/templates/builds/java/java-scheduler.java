package com.$ORG.$PKG;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

public class $C {
    static final class Task {
        final String name;
        final int priority;
        final long dueMillis;

        Task(String name, int priority, long dueMillis) {
            this.name = name;
            this.priority = priority;
            this.dueMillis = dueMillis;
        }
    }

    private final PriorityQueue<Task> queue =
        new PriorityQueue<>(Comparator.comparingInt((Task t) -> -t.priority).thenComparingLong(t -> t.dueMillis));

    public void submit(String name, int priority, long due) {
        queue.add(new Task(name, priority, due));
    }

    public List<String> drain(int max) {
        List<String> out = new ArrayList<>();
        int taken = 0;
        while (!queue.isEmpty() && taken < max) {
            Task t = queue.poll();
            out.add(t.name);
            taken++;
        }
        return out;
    }

    public static void main(String[] args) {
        $C s = new $C();
        for (int i = 0; i < args.length; i++) {
            s.submit(args[i], i % 3, 1000L * i);
        }
        System.out.println(s.drain(5));
    }
}
