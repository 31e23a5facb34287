package io.strata.helm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders {@code helm/strata} with the real helm binary: release {@value #RELEASE} in namespace
 * {@value #NAMESPACE} for Kubernetes {@value #KUBE_VERSION}, with values files from the chart's
 * {@code ci/} folder and {@code --set} overrides.
 */
final class Chart {
    static final String RELEASE = "strata";
    static final String NAMESPACE = "events";
    /** The Kubernetes version the chart is rendered for: the one the schemas and the helm client know. */
    static final String KUBE_VERSION = "1.35.0";

    private Chart() {
    }

    /**
     * {@code helm template} with the given values files (names in {@code ci/}) and overrides.
     *
     * @param valuesFiles e.g. {@code ["multi-rack-values.yaml"]}
     * @param overrides   {@code --set} pairs (values without commas), applied in order
     */
    static Manifest render(List<String> valuesFiles, Map<String, String> overrides) {
        return render(K8sTools.chartDir(), valuesFiles, overrides);
    }

    /** The same, of a copy of the chart in {@code chartDir}. */
    static Manifest render(Path chartDir, List<String> valuesFiles, Map<String, String> overrides) {
        return Manifest.parse(K8sTools.helm(templateArgs(chartDir, valuesFiles, overrides).toArray(String[]::new)));
    }

    static Manifest render(String... valuesFiles) {
        return render(List.of(valuesFiles), Map.of());
    }

    /** NOTES.txt as {@code helm install} prints it, rendered by a client-side dry run. */
    static String notes(List<String> valuesFiles, Map<String, String> overrides) {
        // install has no --kube-version: a client-side dry run assumes the helm client's Kubernetes version.
        List<String> args = templateArgs(K8sTools.chartDir(), valuesFiles, overrides);
        int kubeVersion = args.indexOf("--kube-version");
        args.subList(kubeVersion, kubeVersion + 2).clear();
        args.set(0, "install");
        args.add("--dry-run=client");
        String out = K8sTools.helm(args.toArray(String[]::new));
        int notes = out.indexOf("\nNOTES:\n");
        if (notes < 0) {
            throw new AssertionError("helm install --dry-run printed no NOTES:\n" + out);
        }
        return out.substring(notes + "\nNOTES:\n".length());
    }

    /** The error helm prints when these values must be refused. */
    static String renderFailure(Map<String, String> overrides) {
        return K8sTools.helmFailing(templateArgs(K8sTools.chartDir(), List.of(), overrides).toArray(String[]::new));
    }

    private static List<String> templateArgs(Path chartDir, List<String> valuesFiles, Map<String, String> overrides) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, chartDir.toString(),
                "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION));
        for (String file : valuesFiles) {
            args.add("--values");
            args.add(K8sTools.chartDir().resolve("ci").resolve(file).toString());
        }
        overrides.forEach((key, value) -> {
            args.add("--set");
            args.add(key + "=" + value);
        });
        return args;
    }
}
