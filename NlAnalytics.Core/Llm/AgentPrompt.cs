using System.Collections.Concurrent;
using Microsoft.SemanticKernel;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// One agent's prompt: a Semantic Kernel prompt template (<c>{{$variable}}</c> syntax, <c>&lt;message role="..."&gt;</c>
/// blocks for the chat roles) kept in its own file under Agents/Prompts and embedded in the assembly.
/// Argument values are HTML-encoded when the template renders and decoded when the messages are parsed,
/// so a question or a data value that contains <c>&lt;/message&gt;</c> stays text and cannot add a message.
/// </summary>
public sealed class AgentPrompt
{
    private const string ResourcePrefix = "NlAnalytics.Prompts.";
    private static readonly ConcurrentDictionary<string, AgentPrompt> Loaded = new(StringComparer.Ordinal);

    private AgentPrompt(string name, string template)
    {
        Name = name;
        Template = template;
        Function = KernelFunctionFactory.CreateFromPrompt(new PromptTemplateConfig(template)
        {
            Name = name.Replace('-', '_'),
            Description = $"The {name} agent's prompt",
            TemplateFormat = PromptTemplateConfig.SemanticKernelTemplateFormat,
        });
    }

    /// <summary>The resource name without prefix and extension, e.g. "sql-writer".</summary>
    public string Name { get; }

    /// <summary>The template as written in its file.</summary>
    public string Template { get; }

    /// <summary>The prompt function the kernel invokes.</summary>
    public KernelFunction Function { get; }

    /// <summary>The embedded template Agents/Prompts/<paramref name="name"/>.prompt.txt, parsed once.</summary>
    public static AgentPrompt Load(string name) => Loaded.GetOrAdd(name, static n =>
    {
        using var stream = typeof(AgentPrompt).Assembly.GetManifestResourceStream(ResourcePrefix + n + ".prompt.txt")
                           ?? throw new InvalidOperationException($"No embedded prompt template named '{n}' (Agents/Prompts/{n}.prompt.txt).");
        using var reader = new StreamReader(stream);
        return new AgentPrompt(n, reader.ReadToEnd());
    });

    /// <summary>A prompt from template text (tools and tests); agents use <see cref="Load"/>.</summary>
    public static AgentPrompt FromTemplate(string name, string template) => new(name, template);
}
