package com.$ORG.$PKG;

import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.stream.Collectors;

public class $C {
    private final double[] samples;

    public $C(double[] samples) {
        this.samples = samples.clone();
        Arrays.sort(this.samples);
    }

    public double median() {
        int n = samples.length;
        if (n == 0) {
            throw new IllegalStateException("no samples");
        }
        return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
    }

    public double percentile(double p) {
        int index = (int) Math.ceil(p / 100.0 * samples.length) - 1;
        return samples[Math.max(0, index)];
    }

    public String summary() {
        DoubleSummaryStatistics st = Arrays.stream(samples).summaryStatistics();
        List<String> parts = Arrays.stream(samples).limit(5).mapToObj(Double::toString).collect(Collectors.toList());
        return String.format("n=%d min=%.2f max=%.2f first=%s", st.getCount(), st.getMin(), st.getMax(), parts);
    }

    public static void main(String[] args) {
        double[] values = Arrays.stream(args).mapToDouble(Double::parseDouble).toArray();
        $C s = new $C(values);
        System.out.println(s.summary() + " median=" + s.median() + " p95=" + s.percentile(95));
    }
}
