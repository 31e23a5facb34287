package io.strata.cli.client;

import io.strata.client.StrataClientException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to a gateway: the {@code --bootstrap} option, the picocli
 * output writers, and one error policy — any failure prints one line {@code error: ...} on
 * stderr and exits with 1 (the stack trace goes to the debug log). Not thread-safe.
 */
abstract class ClientCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ClientCommand.class);

    @Mixin
    BootstrapOption bootstrap = new BootstrapOption();

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (ParameterException e) {
            throw e; // a usage error: picocli prints it with the usage help
        } catch (StrataClientException e) {
            LOG.debug("command failed", e);
            return fail(e.reason() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.debug("command failed", e);
            return fail(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (Exception e) {
            LOG.debug("command failed", e);
            return fail(e.toString());
        }
    }

    /** Does the work; returns the exit code. Failures may simply be thrown. */
    protected abstract int run() throws Exception;

    /** Prints {@code error: message} on stderr and returns exit code 1. */
    protected int fail(String message) {
        PrintWriter err = err();
        err.println("error: " + message.replace('\n', ' '));
        err.flush();
        return 1;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
