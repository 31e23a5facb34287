package io.strata.testkit;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Random;

/**
 * Fills protobuf messages with random values for fuzzing: each field is set with some
 * probability, to edge values as often as to plain ones (empty and very long strings, names of
 * real topics, zero, negative and extreme numbers, enum numbers no enum declares, random bytes).
 */
final class RandomMessages {
    /** Nested messages stop here, so recursive types stay finite. */
    private static final int MAX_DEPTH = 4;
    private static final List<String> SAFE_NAMES = List.of("", " ", "fuzz-scratch", "fuzz-group", "no such topic",
            "a".repeat(300), "ünïcødé", "../../etc", "fuzz-target");
    private static final long[] EDGE_NUMBERS = {0, 1, -1, 2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE, 60_001, 1 << 20};

    private RandomMessages() {
    }

    /**
     * Sets random fields of {@code builder}. With {@code destructive}, strings never name the topic
     * holding acknowledged data, so a random delete or reset cannot touch it.
     */
    static Message fill(Message.Builder builder, Random random, boolean destructive, int depth) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (field.isMapField() || field.isRepeated()) {
                int n = random.nextInt(4);
                for (int i = 0; i < n && depth < MAX_DEPTH; i++) {
                    Object v = value(field, builder, random, destructive, depth);
                    if (v != null) {
                        builder.addRepeatedField(field, v);
                    }
                }
            } else if (depth < MAX_DEPTH || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                Object v = value(field, builder, random, destructive, depth);
                if (v != null) {
                    builder.setField(field, v);
                }
            }
        }
        return builder.build();
    }

    private static Object value(FieldDescriptor field, Message.Builder parent, Random random, boolean destructive,
                                int depth) {
        return switch (field.getJavaType()) {
            case STRING -> {
                String s = SAFE_NAMES.get(random.nextInt(SAFE_NAMES.size()));
                yield destructive && s.equals(RpcFuzzTest.TARGET) ? "fuzz-scratch" : s;
            }
            case INT -> (int) number(random);
            case LONG -> number(random);
            case FLOAT -> (float) number(random);
            case DOUBLE -> (double) number(random);
            case BOOLEAN -> random.nextBoolean();
            case BYTE_STRING -> {
                byte[] b = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(2048)];
                random.nextBytes(b);
                yield ByteString.copyFrom(b);
            }
            case ENUM -> {
                List<EnumValueDescriptor> values = field.getEnumType().getValues();
                yield random.nextInt(4) == 0
                        ? field.getEnumType().findValueByNumberCreatingIfUnknown(1000 + random.nextInt(1000))
                        : values.get(random.nextInt(values.size()));
            }
            case MESSAGE -> fill(parent.newBuilderForField(field), random, destructive, depth + 1);
        };
    }

    private static long number(Random random) {
        return random.nextBoolean() ? EDGE_NUMBERS[random.nextInt(EDGE_NUMBERS.length)] : random.nextInt(10_000) - 100;
    }
}
