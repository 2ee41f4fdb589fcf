// TEST HARNESS ONLY: not how to run OpenSearch.
//
// Starts one OpenSearch node inside this JVM from the Maven Central jars (server, transport-netty4, analysis-common)
// so that scripts/stack/scale-traces.sh can run a 2-node cluster on a machine without Docker or the OpenSearch
// distribution. It has none of the distribution's bootstrap checks, security manager, plugins or tuned JVM options.
// Run the official OpenSearch distribution (or a managed service) for anything but tests.
//
// Usage: java -cp '<jars>:<classes>' OpenSearchTestNode <opensearch.yml>
// The file holds the node's settings (path.home, path.data, http.port, ...). SIGTERM closes the node cleanly.
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

public final class OpenSearchTestNode {
  /** Node's plugin-list constructor is protected: the embedded-node pattern of OpenSearch's own test framework. */
  private static final class HarnessNode extends Node {
    HarnessNode(Environment environment) {
      super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: OpenSearchTestNode <opensearch.yml>");
      System.exit(2);
    }
    Path file = Path.of(args[0]).toAbsolutePath();
    Settings settings = Settings.builder().loadFromPath(file).build();
    String nodeName = settings.get("node.name", "node");
    LogConfigurator.registerErrorListener();
    LogConfigurator.setNodeName(nodeName);
    LogConfigurator.configureWithoutConfig(settings);
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), file.getParent(), () -> nodeName);
    Node node = new HarnessNode(environment);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    node.close();
                    node.awaitClose(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    e.printStackTrace();
                  } finally {
                    closed.countDown();
                  }
                }));
    node.start();
    System.out.println("OpenSearchTestNode " + nodeName + " started");
    closed.await();
  }
}
