using System.Reflection;
using NetArchTest.Rules;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Tests.Architecture;

/// <summary>The dependency rules of the code base, stated in code so that breaking one fails the build's tests.</summary>
public sealed class DependencyRulesTests
{
    private static readonly Assembly Core = typeof(AppDbContext).Assembly;
    private static readonly Assembly Web = typeof(Program).Assembly;

    [Fact]
    public void The_capability_namespaces_of_core_depend_on_each_other_without_a_cycle()
    {
        var graph = CoreNamespaceGraph();

        var cycles = Cycles(graph);

        Assert.True(cycles.Count == 0, "Namespace cycles in Core: " + string.Join("; ", cycles.Select(c => string.Join(" -> ", c))));
        // The graph is real: the rules above would pass vacuously on an empty one.
        Assert.Contains("Catalog", graph["Agents"]);
        Assert.Contains("Agents", graph["Offline"]);
    }

    [Fact]
    public void Core_never_depends_on_the_web_project() =>
        AssertHolds(Types.InAssembly(Core).ShouldNot().HaveDependencyOn("NlAnalytics.Web").GetResult());

    [Fact]
    public void Sql_execution_never_depends_on_the_language_model() =>
        AssertHolds(Types.InAssembly(Core).That().ResideInNamespace("NlAnalytics.Core.Execution").ShouldNot().HaveDependencyOn("NlAnalytics.Core.Llm").GetResult());

    [Fact]
    public void Ui_components_never_talk_to_the_database_driver() =>
        AssertHolds(Types.InAssembly(Web).That().ResideInNamespace("NlAnalytics.Web.Components").ShouldNot().HaveDependencyOn("Npgsql").GetResult());

    /// <summary>Capability (second-level) namespace of Core to the capability namespaces its types use.</summary>
    private static Dictionary<string, HashSet<string>> CoreNamespaceGraph()
    {
        var capabilities = Core.GetTypes().Select(Capability).OfType<string>().Distinct().ToList();
        var graph = capabilities.ToDictionary(c => c, _ => new HashSet<string>());
        foreach (var from in capabilities)
            foreach (var to in capabilities.Where(c => c != from))
            {
                var result = Types.InAssembly(Core).That().ResideInNamespace($"NlAnalytics.Core.{from}")
                    .ShouldNot().HaveDependencyOn($"NlAnalytics.Core.{to}").GetResult();
                if (!result.IsSuccessful)
                    graph[from].Add(to);
            }
        return graph;
    }

    private static string? Capability(Type type)
    {
        var parts = (type.Namespace ?? "").Split('.');
        return parts.Length >= 3 && parts[0] == "NlAnalytics" && parts[1] == "Core" ? parts[2] : null;
    }

    private static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var cycles = new List<List<string>>();
        var seen = new HashSet<string>();
        foreach (var start in graph.Keys.Order())
        {
            var stack = new List<string>();
            void Visit(string node)
            {
                if (stack.Contains(node))
                {
                    if (node == start)
                        cycles.Add([.. stack, node]);
                    return;
                }
                if (seen.Contains(node))
                    return;
                stack.Add(node);
                foreach (var next in graph[node].Order())
                    Visit(next);
                stack.RemoveAt(stack.Count - 1);
            }
            Visit(start);
            seen.Add(start);
        }
        return cycles;
    }

    private static void AssertHolds(TestResult result) =>
        Assert.True(result.IsSuccessful, "Breaking types: " + string.Join(", ", result.FailingTypeNames ?? []));
}
