package io.strata.helm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The objects of one {@code helm template} output, read as plain maps, with lookups by kind and
 * name and a path accessor ({@code obj.get("spec", "template", "spec")}). Immutable after parsing.
 */
final class Manifest {
    /** One rendered Kubernetes object. */
    record Obj(Map<String, Object> fields) {
        String kind() {
            return (String) fields.get("kind");
        }

        String name() {
            return string("metadata", "name");
        }

        /** The value at this path of map keys and list indexes, or null where the path ends early. */
        Object get(Object... path) {
            return at(fields, path);
        }

        String string(Object... path) {
            Object v = get(path);
            return v == null ? null : v.toString();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map(Object... path) {
            Object v = get(path);
            return v == null ? Map.of() : (Map<String, Object>) v;
        }

        @SuppressWarnings("unchecked")
        List<Object> list(Object... path) {
            Object v = get(path);
            return v == null ? List.of() : (List<Object>) v;
        }

        @Override
        public String toString() {
            return kind() + "/" + name();
        }
    }

    private final List<Obj> objects;
    private final String text;

    private Manifest(List<Obj> objects, String text) {
        this.objects = List.copyOf(objects);
        this.text = text;
    }

    @SuppressWarnings("unchecked")
    static Manifest parse(String text) {
        List<Obj> objects = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text)) {
            if (doc != null) {
                objects.add(new Obj((Map<String, Object>) doc));
            }
        }
        return new Manifest(objects, text);
    }

    /** The rendered text, as {@code helm template} printed it. */
    String text() {
        return text;
    }

    List<Obj> all() {
        return objects;
    }

    List<Obj> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.kind())).toList();
    }

    Optional<Obj> find(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.kind()) && name.equals(o.name())).findFirst();
    }

    Obj get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("the chart rendered no " + kind + "/" + name
                + "; it rendered " + objects));
    }

    /** Walks maps by key and lists by index. */
    @SuppressWarnings("unchecked")
    static Object at(Object root, Object... path) {
        Object v = root;
        for (Object step : path) {
            if (v instanceof Map<?, ?> m) {
                v = ((Map<String, Object>) m).get(step.toString());
            } else if (v instanceof List<?> l && step instanceof Integer i) {
                v = i < l.size() ? l.get(i) : null;
            } else {
                return null;
            }
        }
        return v;
    }
}
