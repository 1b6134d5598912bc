using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;

namespace NlAnalytics.Core.Llm;

/// <summary>
/// The OpenAI SDK client(s) for the configured endpoint, over one HttpClient whose handler retries
/// (<see cref="LlmRetryHandler"/>); the SDK's own retries are off, so the rules live in one place.
/// OpenAI and compatible servers need one client for every model; Azure's classic surface routes by
/// deployment in the path, so there it is one client per deployment ("model").
/// </summary>
internal sealed class LlmConnection : IDisposable
{
    private readonly IOptions<LlmOptions> _options;
    private readonly Lazy<HttpClient> _http;
    private readonly ConcurrentDictionary<string, OpenAIClient> _clients = new(StringComparer.Ordinal);

    public LlmConnection(IOptions<LlmOptions> options, TimeProvider timeProvider, ILoggerFactory loggers)
    {
        _options = options;
        _http = new Lazy<HttpClient>(() => new HttpClient(new LlmRetryHandler(Options, timeProvider, loggers.CreateLogger<LlmRetryHandler>()) { InnerHandler = new SocketsHttpHandler() })
        {
            // Slightly above the call timeout, so that ours fires first and is reported as a timeout.
            Timeout = TimeSpan.FromSeconds(Options.TimeoutSeconds + 5),
        });
    }

    private LlmOptions Options
    {
        get
        {
            var value = _options.Value;
            if (!value.IsConfigured)
                throw new LlmException(LlmFailure.NotConfigured, "No LLM endpoint is configured (Llm:Endpoint is empty), so only offline answers are available.");
            return value;
        }
    }

    /// <summary>The SDK client that serves <paramref name="model"/>.</summary>
    public OpenAIClient For(string model)
    {
        var options = Options;
        var key = options.Provider == LlmProvider.AzureOpenAI ? model : "";
        return _clients.GetOrAdd(key, static (deployment, self) => self.Create(deployment), this);
    }

    // The AuthenticationPolicy constructors are marked experimental (OPENAI001), but they are the only way
    // to send Azure's api-key header or no key at all without rewriting headers after the fact; the SDK
    // version is pinned centrally, so a change would surface at upgrade time, not at run time.
#pragma warning disable OPENAI001
    private OpenAIClient Create(string deployment) => new(Authentication(), ClientOptions(deployment));
#pragma warning restore OPENAI001

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

    private OpenAIClientOptions ClientOptions(string deployment)
    {
        var o = Options;
        var baseAddress = o.Endpoint.TrimEnd('/');
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(o.Provider == LlmProvider.AzureOpenAI
                ? $"{baseAddress}/openai/deployments/{Uri.EscapeDataString(deployment)}"
                : baseAddress),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            Transport = new HttpClientPipelineTransport(_http.Value),
            NetworkTimeout = TimeSpan.FromSeconds(o.TimeoutSeconds + 5),
        };
        if (o.Provider == LlmProvider.AzureOpenAI)
            clientOptions.AddPolicy(new QueryParameterPolicy("api-version", o.AzureApiVersion), PipelinePosition.PerCall);
        return clientOptions;
    }

    public void Dispose()
    {
        if (_http.IsValueCreated)
            _http.Value.Dispose();
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
