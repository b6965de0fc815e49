package io.tidewater;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.tidewater.config.ConfigException;
import io.tidewater.config.TidewaterConfig;
import io.tidewater.replay.ReplayCli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line (picocli): {@code tidewater [run | check | schema | replay | redrive | hawtio]}, each with --help. */
@Command(name = "tidewater", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Real-time ETL from Kafka and PostgreSQL CDC into the warehouse, declared in YAML flows.",
        subcommands = {Cli.Run.class, Cli.Check.class, Cli.Schema.class, Cli.Replay.class, Cli.Redrive.class, Cli.Hawtio.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Callable<Integer> {

    /** No command: run. */
    @Override
    public Integer call() {
        return Application.runPipeline();
    }

    public static int execute(String[] args) {
        return new CommandLine(new Cli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(e.getMessage());
            return 1;
        }).execute(args);
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Starts the pipeline: embedded Kafka and PostgreSQL unless external ones are configured in application.properties, the capture and the flows in routes/, demo traffic in embedded mode. Exit codes: 0 stopped, 1 failed, 2 bad configuration.")
    static final class Run implements Callable<Integer> {
        @Override
        public Integer call() {
            return Application.runPipeline();
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Checks application.properties and every routes/*.camel.yaml without starting anything: Camel's YAML DSL schema, Tidewater's flow rules, and, when the warehouse answers, its tables against the flow declarations. Prints file:line and the reason for each problem. Exit codes: 0 all good, 1 problems found.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--routes", description = "the routes directory (default: ${DEFAULT-VALUE})")
        Path routes = Path.of("routes");

        @Option(names = "--config", description = "the configuration file (default: ${DEFAULT-VALUE})")
        Path config = Path.of("application.properties");

        @Override
        public Integer call() {
            return io.tidewater.flow.FlowCheck.run(config, routes, System.getenv(), System.out);
        }
    }

    @Command(name = "schema", mixinStandardHelpOptions = true,
            description = "Prints the JSON Schema of a flow declaration (the properties of its io.tidewater.flow.FlowDeclaration bean), for editors; with --markdown, the README's reference table of the same properties.")
    static final class Schema implements Callable<Integer> {
        @Option(names = "--markdown", description = "print the reference table (Markdown) instead of the JSON Schema")
        boolean markdown;

        @Override
        public Integer call() {
            System.out.print(markdown ? io.tidewater.flow.DeclarationSchema.markdown() : io.tidewater.flow.DeclarationSchema.jsonSchemaText() + "\n");
            System.out.flush();
            return 0;
        }
    }

    /** The options replay and redrive share, passed on to {@link ReplayCli}. */
    abstract static class RangeCommand implements Callable<Integer> {
        @Option(names = "--topic", required = true, split = ",", description = "the load topic(s)")
        List<String> topics;

        @Option(names = "--from", description = "an offset, an ISO-8601 time (2026-11-24T10:00:00Z) or 'beginning'")
        String from;

        @Option(names = "--to", description = "an offset or an ISO-8601 time (exclusive); default: the end at the time of asking")
        String to;

        @Option(names = "--partition", split = ",", description = "only these partitions")
        List<Integer> partitions;

        @Option(names = "--wait", description = "follow the progress until it is done")
        boolean waitForEnd;

        @Option(names = "--url", description = "the running Tidewater's Jolokia; default http://localhost:<camel.management.port>/observe/jolokia")
        String url;

        List<String> args() {
            List<String> a = new ArrayList<>(List.of("--topic", String.join(",", topics)));
            if (from != null) {
                a.addAll(List.of("--from", from));
            }
            if (to != null) {
                a.addAll(List.of("--to", to));
            }
            if (partitions != null) {
                a.addAll(List.of("--partition", String.join(",", partitions.stream().map(String::valueOf).toList())));
            }
            if (waitForEnd) {
                a.add("--wait");
            }
            if (url != null) {
                a.addAll(List.of("--url", url));
            }
            return a;
        }

        static TidewaterConfig config() {
            return TidewaterConfig.load(Path.of("application.properties"), System.getenv());
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Asks the running Tidewater to reprocess a range of load topics (JMX operation replay of tidewater:type=replay, over Jolokia). Exit codes: 0 started or done, 1 refused or failed, 2 bad usage.")
    static final class Replay extends RangeCommand {
        @Option(names = "--side", description = "a separate consumer reads exactly the range and stops; by default the load itself rereads it")
        boolean side;

        @Override
        public Integer call() {
            List<String> a = args();
            if (side) {
                a.add("--side");
            }
            try {
                return ReplayCli.run(a, config(), System.out, System.err);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return Application.EXIT_CONFIG;
            }
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = "Asks the running Tidewater to re-apply the dead letters of a topic (<topic>.dlq, by default all) through the topic's flow, once the cause is fixed; records that fail again go back with tidewater.redrive.count one higher. Exit codes: 0 started or done, 1 refused or failed, 2 bad usage.")
    static final class Redrive extends RangeCommand {
        @Override
        public Integer call() {
            try {
                return ReplayCli.redrive(args(), config(), System.out, System.err);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return Application.EXIT_CONFIG;
            }
        }
    }

    @Command(name = "hawtio", mixinStandardHelpOptions = true,
            description = "Starts Hawtio alone on tidewater.hawtio.port (8090), connected to tidewater.hawtio.jolokia-url (a running Tidewater), behind the operator login (needs TIDEWATER_OPS_PASSWORD).")
    static final class Hawtio implements Callable<Integer> {
        @Override
        public Integer call() {
            return Application.hawtio();
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"tidewater " + (v == null ? "(development)" : v)};
        }
    }
}
