package io.strata.common.topic;

import io.strata.common.error.StrataException;
import io.strata.proto.ErrorReason;

/** Kafka's topic naming rules: [a-zA-Z0-9._-], 1 to 249 characters, not "." or "..". */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** Throws INVALID_TOPIC_NAME explaining the first rule {@code name} breaks. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("the topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid("the topic name cannot be '.' or '..'");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid("the topic name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw invalid("the topic name '" + name + "' contains '" + c + "' at position " + i
                        + "; only letters, digits, '.', '_' and '-' are allowed");
            }
        }
    }

    private static StrataException invalid(String message) {
        return new StrataException(ErrorReason.INVALID_TOPIC_NAME, message);
    }
}
