using NlAnalytics.Core.Data;

namespace NlAnalytics.Tests.Evaluation;

/// <summary>Resolves any name to one fixed data source, as the CLI's "demo" would.</summary>
internal sealed class SingleSourceRegistry(DataSource source) : IDataSourceRegistry
{
    public IReadOnlyList<DataSource> All => [source];

    public DataSource Resolve(string nameOrConnectionString) => source;
}
