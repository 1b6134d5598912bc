using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// Builds (and keeps) one SDK client per model. The SDK's own retries are switched off: the rules for
/// what is retried live in <see cref="LlmResilience"/> and must be exactly those.
/// </summary>
internal sealed class OpenAiClients(IOptions<LlmOptions> options)
{
    private readonly ConcurrentDictionary<string, ChatClient> _chat = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmbeddingClient> _embeddings = new(StringComparer.Ordinal);

    // The AuthenticationPolicy constructors are marked experimental (OPENAI001), but they are the only way
    // to send Azure's api-key header or no key at all without rewriting headers after the fact; the SDK
    // version is pinned centrally, so a change would surface at upgrade time, not at run time.
#pragma warning disable OPENAI001
    public ChatClient Chat(string model) =>
        _chat.GetOrAdd(model, static (m, self) => new ChatClient(m, self.Authentication(), self.ClientOptions(m)), this);

    public EmbeddingClient Embeddings(string model) =>
        _embeddings.GetOrAdd(model, static (m, self) => new EmbeddingClient(m, self.Authentication(), self.ClientOptions(m)), this);
#pragma warning restore OPENAI001

    private LlmOptions Options
    {
        get
        {
            var value = options.Value;
            if (!value.IsConfigured)
                throw new LlmException(LlmFailure.NotConfigured, "No LLM endpoint is configured (Llm:Endpoint is empty), so only offline answers are available.");
            return value;
        }
    }

    private AuthenticationPolicy Authentication()
    {
        var o = Options;
        if (string.IsNullOrEmpty(o.ApiKey))
            return new NoAuthenticationPolicy();
        var credential = new ApiKeyCredential(o.ApiKey);
        return o.Provider == LlmProvider.AzureOpenAI
            ? ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(credential, "api-key")
            : ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(credential);
    }

    private OpenAIClientOptions ClientOptions(string model)
    {
        var o = Options;
        var baseAddress = o.Endpoint.TrimEnd('/');
        var clientOptions = new OpenAIClientOptions
        {
            // Azure's classic surface routes by deployment in the path; the deployment is the "model".
            Endpoint = new Uri(o.Provider == LlmProvider.AzureOpenAI
                ? $"{baseAddress}/openai/deployments/{Uri.EscapeDataString(model)}"
                : baseAddress),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Slightly above our own call timeout so that ours fires first and is reported as a timeout.
            NetworkTimeout = TimeSpan.FromSeconds(o.TimeoutSeconds + 5),
        };
        if (o.Provider == LlmProvider.AzureOpenAI)
            clientOptions.AddPolicy(new QueryParameterPolicy("api-version", o.AzureApiVersion), PipelinePosition.PerCall);
        return clientOptions;
    }

    /// <summary>Local OpenAI-compatible servers need no key; sending a made-up bearer token would only confuse their logs.</summary>
    private sealed class NoAuthenticationPolicy : AuthenticationPolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNext(message, pipeline, currentIndex);

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessNextAsync(message, pipeline, currentIndex);
    }

    private sealed class QueryParameterPolicy(string name, string value) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Append(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Append(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }

        private void Append(PipelineMessage message)
        {
            var uri = message.Request.Uri!;
            var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
            message.Request.Uri = new Uri($"{uri.AbsoluteUri}{separator}{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
        }
    }
}
