/**
 * The client-side {@code strata} commands: {@code topics} (create, list, describe, alter, add-partitions, delete, reassign), {@code cluster describe},
 * {@code groups} (list, describe, delete, reset-offsets), {@code produce} and {@code consume}. Each is a picocli {@code Callable<Integer>} taking the shared
 * {@code --bootstrap} mixin; output goes to picocli's writers; any failure is one
 * {@code error: ...} line on stderr and exit code 1 (usage errors: picocli's exit code 2).
 */
package io.strata.cli.client;
