package io.sundial.proxy.cli;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/sundial}: one subcommand per job, in the style of RocketMQ's {@code mqadmin}. The
 * subcommands are added in {@link #commandLine}, not listed in the annotation, so that {@code start} can be parsed
 * without the others.
 */
@Command(name = "sundial", mixinStandardHelpOptions = true, version = "Sundial 0.1.0",
        description = "A scheduling proxy for Apache RocketMQ.")
public final class SundialMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(args).setExecutionExceptionHandler(SundialMain::failed).execute(args));
    }

    /**
     * The command line for {@code args}. For {@code start} it holds that command alone: picocli builds each
     * command's model by reflection when it is added, the admin commands' too: 0.3 s more of a 1.5 s restart, in which
     * producers cannot send.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine line = new CommandLine(new SundialMain()).addSubcommand(new StartCommand());
        if (args.length > 0 && args[0].equals("start")) {
            return line;
        }
        for (Object command : new Object[] {new StopCommand(), new StatusCommand(), new QuickstartCommand(),
                new ClassArchiveTrainingCommand(), new LatenessCommand(),
                new io.sundial.proxy.cli.admin.AdminCommand()}) {
            line.addSubcommand(command);
        }
        return line;
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
