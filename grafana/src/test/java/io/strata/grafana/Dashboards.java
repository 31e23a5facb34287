package io.strata.grafana;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The dashboards in grafana/dashboards/, read as Grafana JSON: their panels' queries and their variables. */
final class Dashboards {
    /** The module's directory is grafana/, where the dashboards live. */
    static final Path DIR = Path.of("dashboards");

    /** One PromQL expression of one panel. */
    record Query(String dashboard, String panel, String expr) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + ": " + expr;
        }
    }

    /** A query variable: label_values(METRIC, LABEL). */
    record Variable(String dashboard, String name, String metric, String label) {
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,]+?)\\s*,\\s*(\\w+)\\s*\\)");

    private Dashboards() {
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    static JsonObject read(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    static List<Query> queries(Path file) throws IOException {
        JsonObject d = read(file);
        List<Query> out = new ArrayList<>();
        for (JsonElement p : d.getAsJsonArray("panels")) {
            JsonObject panel = p.getAsJsonObject();
            for (JsonElement t : panel.getAsJsonArray("targets")) {
                out.add(new Query(d.get("title").getAsString(), panel.get("title").getAsString(),
                        t.getAsJsonObject().get("expr").getAsString()));
            }
        }
        return out;
    }

    static List<Variable> variables(Path file) throws IOException {
        JsonObject d = read(file);
        List<Variable> out = new ArrayList<>();
        for (JsonElement v : d.getAsJsonObject("templating").getAsJsonArray("list")) {
            JsonObject variable = v.getAsJsonObject();
            if (!"query".equals(variable.get("type").getAsString())) {
                continue;
            }
            String definition = variable.get("definition").getAsString();
            Matcher m = LABEL_VALUES.matcher(definition);
            if (!m.matches()) {
                throw new IllegalStateException(file + ": variable " + variable.get("name") + " is not label_values(METRIC,"
                        + " LABEL): " + definition);
            }
            out.add(new Variable(d.get("title").getAsString(), variable.get("name").getAsString(), m.group(1),
                    m.group(2)));
        }
        return out;
    }
}
