package io.sundial.proxy.cli;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/sundial}: one subcommand per job, in the style of RocketMQ's {@code mqadmin}. */
@Command(name = "sundial", mixinStandardHelpOptions = true, version = "Sundial 0.1.0",
        description = "A scheduling proxy for Apache RocketMQ.",
        subcommands = {StartCommand.class, StopCommand.class, StatusCommand.class, QuickstartCommand.class,
                LatenessCommand.class,
                io.sundial.proxy.cli.admin.AdminCommand.class})
public final class SundialMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SundialMain()).setExecutionExceptionHandler(SundialMain::failed).execute(args));
    }

    /** A command that failed: one readable line on stderr (the cause says what to do), the stack trace in the log. */
    private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        LoggerFactory.getLogger(SundialMain.class).error("sundial {} failed", command.getCommandName(), e);
        command.getErr().println("sundial " + command.getCommandName() + ": " + e.getMessage());
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
