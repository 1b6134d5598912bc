using NlAnalytics.Core.Catalog;
using NlAnalytics.Core.Data;
using NlAnalytics.Core.Execution;

namespace NlAnalytics.Web.Components.Pages.Admin;

/// <summary>One schema in the browser's tree, with the tables shown under it (after the search filter).</summary>
public sealed record SchemaNode(string Name, IReadOnlyList<TableNode> Tables);

/// <summary>A table in the tree; <see cref="MatchReason"/> says why it matched the search (null when not searching).</summary>
public sealed record TableNode(TableInfo Table, string? MatchReason);

/// <summary>One fetched sample row (a record so grids can type their rows).</summary>
public sealed record SampleRow(IReadOnlyList<object?> Values);

/// <summary>
/// A foreign key seen from the selected table: which of its columns point where, or which table points at it.
/// <see cref="Key"/> and <see cref="Owner"/> (the table holding the key) are there so an inferred key can be decided on.
/// </summary>
public sealed record Neighbour(string QualifiedName, string Description, ForeignKeyInfo? Key = null, TableInfo? Owner = null)
{
    /// <summary>An inferred key nobody has confirmed yet: an Admin may confirm or reject it.</summary>
    public bool Undecided => Key is { Inferred: true, ConfirmedBy: null };
}

/// <summary>
/// What the schema browser shows: the chosen data source, its catalog, the search, the selected table and
/// its sample rows. Plain state so the page stays markup; the page creates one per circuit.
/// </summary>
public sealed class SchemaBrowserState(ICatalogProvider catalogs, ISqlExecutor executor, IDataSourceRegistry registry, JoinKeyDecisionStore? decisions = null)
{
    public const int SampleRowCount = 10;

    private CancellationTokenSource? _sampleLoad;

    public IReadOnlyList<DataSource> Sources { get; } = registry.All;
    public DataSource? Source { get; private set; }
    public DatabaseCatalog? Catalog { get; private set; }
    public string? CatalogError { get; private set; }
    public string Search { get; private set; } = "";
    public IReadOnlyList<SchemaNode> Tree { get; private set; } = [];
    public TableInfo? Selected { get; private set; }
    public QueryResult? Sample { get; private set; }
    public IReadOnlyList<SampleRow> SampleRows { get; private set; } = [];
    public string? SampleError { get; private set; }
    public bool IsLoadingCatalog { get; private set; }
    public bool IsLoadingSample { get; private set; }

    public async Task SelectSourceAsync(string name, CancellationToken cancellationToken)
    {
        Source = Sources.FirstOrDefault(s => s.Name == name);
        Selected = null;
        ClearSample();
        await LoadCatalogAsync(refresh: false, cancellationToken);
    }

    public Task RefreshAsync(CancellationToken cancellationToken) => LoadCatalogAsync(refresh: true, cancellationToken);

    public void SetSearch(string? search)
    {
        Search = search?.Trim() ?? "";
        Tree = Catalog is null ? [] : BuildTree(Catalog, Search);
    }

    /// <summary>Selects a table and fetches its sample rows; a newer selection cancels the previous fetch.</summary>
    public async Task SelectTableAsync(string qualifiedName, CancellationToken cancellationToken)
    {
        Selected = Catalog?.Find(qualifiedName);
        ClearSample();
        if (Selected is null || Source is null)
            return;

        var load = _sampleLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        IsLoadingSample = true;
        try
        {
            var result = await executor.ExecuteAsync(Source, SampleSql(Selected), new QueryLimits(SampleRowCount, TimeSpan.FromSeconds(10)), load.Token);
            if (!load.IsCancellationRequested)
            {
                Sample = result;
                SampleRows = [.. result.Rows.Select(r => new SampleRow(r))];
            }
        }
        catch (SqlExecutionException ex) when (ex.Failure.Kind != SqlFailureKind.Cancelled)
        {
            SampleError = ex.Failure.UserMessage;
        }
        catch (SqlExecutionException) when (load.IsCancellationRequested)
        {
            // Superseded by a newer selection; that one shows its own rows.
        }
        catch (OperationCanceledException) when (load.IsCancellationRequested)
        {
        }
        finally
        {
            if (ReferenceEquals(_sampleLoad, load))
            {
                IsLoadingSample = false;
                _sampleLoad = null;
            }
            load.Dispose();
        }
    }

    /// <summary>Foreign keys of <paramref name="table"/>: the tables it references.</summary>
    public static IReadOnlyList<Neighbour> References(TableInfo table) =>
        [.. table.ForeignKeys.Select(fk => new Neighbour(
            fk.ReferencedQualifiedName,
            $"{string.Join(", ", fk.Columns)} → {fk.ReferencedQualifiedName} ({string.Join(", ", fk.ReferencedColumns)}){Provenance(fk)}", fk, table))];

    /// <summary>Foreign keys of other tables that point at <paramref name="table"/>.</summary>
    public static IReadOnlyList<Neighbour> ReferencedBy(DatabaseCatalog catalog, TableInfo table) =>
        [.. catalog.Tables
            .SelectMany(other => other.ForeignKeys
                .Where(fk => string.Equals(fk.ReferencedQualifiedName, table.QualifiedName, StringComparison.OrdinalIgnoreCase))
                .Select(fk => new Neighbour(
                    other.QualifiedName,
                    $"{other.QualifiedName} ({string.Join(", ", fk.Columns)}) → {string.Join(", ", fk.ReferencedColumns)}{Provenance(fk)}", fk, other)))
            .OrderBy(n => n.QualifiedName, StringComparer.Ordinal)];

    /// <summary>Inferred keys of <paramref name="table"/> an Admin rejected (shown so the decision can be taken back).</summary>
    public static IReadOnlyList<RejectedJoinKey> Rejected(DatabaseCatalog catalog, TableInfo table) =>
        [.. catalog.RejectedJoinKeys.Where(r => string.Equals(r.Table, table.QualifiedName, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Whether this browser can store decisions on inferred keys (it needs the app database).</summary>
    public bool CanDecide => decisions is not null;

    public string? DecisionError { get; private set; }

    /// <summary>
    /// Stores an Admin's decision on an inferred key of <paramref name="owner"/> and reads the catalog again, so the
    /// analyst joins along it (confirmed) or no longer does (rejected).
    /// </summary>
    public async Task DecideAsync(TableInfo owner, ForeignKeyInfo key, bool confirm, string decidedBy, CancellationToken cancellationToken)
    {
        if (decisions is null || Source is null || !key.Inferred)
            return;
        var (from, to) = key.Ends(owner);
        await Decided(() => decisions.DecideAsync(Source.Name, from, to, confirm, decidedBy, cancellationToken), cancellationToken);
    }

    /// <summary>Takes back a rejection: the key is inferred and undecided again.</summary>
    public async Task UndoRejectionAsync(RejectedJoinKey rejected, CancellationToken cancellationToken)
    {
        if (decisions is null || Source is null || Catalog is null)
            return;
        var (from, to) = rejected.Key.Ends(Catalog.Find(rejected.Table) ?? throw new InvalidOperationException($"{rejected.Table} is not in the catalog."));
        await Decided(() => decisions.UndoAsync(Source.Name, from, to, cancellationToken), cancellationToken);
    }

    private async Task Decided(Func<Task> store, CancellationToken cancellationToken)
    {
        DecisionError = null;
        try
        {
            await store();
        }
        catch (Exception ex) when (ex is Microsoft.EntityFrameworkCore.DbUpdateException or InvalidOperationException)
        {
            DecisionError = $"The decision could not be stored: {ex.Message}";
            return;
        }
        await LoadCatalogAsync(refresh: true, cancellationToken);
    }

    private static string Provenance(ForeignKeyInfo key) => key switch
    {
        { Inferred: false } => "",
        { ConfirmedBy: { } by } => $" · inferred, confirmed by {by}",
        _ => " · inferred from names and values",
    };

    /// <summary>Columns of <paramref name="table"/> that take part in one of its foreign keys.</summary>
    public static bool IsForeignKeyColumn(TableInfo table, ColumnInfo column) =>
        table.ForeignKeys.Any(fk => fk.Columns.Contains(column.Name, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Groups tables by schema, keeping only those whose name, comment, column names or column comments
    /// contain <paramref name="search"/> (case-insensitive); every table when the search is empty.
    /// </summary>
    public static IReadOnlyList<SchemaNode> BuildTree(DatabaseCatalog catalog, string search) =>
        [.. catalog.Tables
            .Select(t => new TableNode(t, search.Length == 0 ? null : MatchReason(t, search)))
            .Where(n => search.Length == 0 || n.MatchReason is not null)
            .GroupBy(n => n.Table.Schema, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SchemaNode(g.Key, [.. g.OrderBy(n => n.Table.Name, StringComparer.Ordinal)]))];

    /// <summary>A read-only, bounded look at the first rows; identifiers are quoted, never interpolated raw.</summary>
    public static string SampleSql(TableInfo table) =>
        $"SELECT * FROM {QuoteIdentifier(table.Schema)}.{QuoteIdentifier(table.Name)} LIMIT {SampleRowCount}";

    public static string QuoteIdentifier(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static string? MatchReason(TableInfo table, string search)
    {
        if (table.QualifiedName.Contains(search, StringComparison.OrdinalIgnoreCase))
            return "name";
        if (table.Comment?.Contains(search, StringComparison.OrdinalIgnoreCase) == true)
            return "comment";
        var column = table.Columns.FirstOrDefault(c => c.Name.Contains(search, StringComparison.OrdinalIgnoreCase));
        if (column is not null)
            return $"column {column.Name}";
        column = table.Columns.FirstOrDefault(c => c.Comment?.Contains(search, StringComparison.OrdinalIgnoreCase) == true);
        return column is null ? null : $"comment on {column.Name}";
    }

    private async Task LoadCatalogAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (Source is null)
            return;
        IsLoadingCatalog = true;
        CatalogError = null;
        try
        {
            Catalog = refresh
                ? await catalogs.RefreshAsync(Source, cancellationToken)
                : await catalogs.GetAsync(Source, cancellationToken);
            SetSearch(Search);
            // Keep the selection across a refresh when the table still exists.
            if (Selected is not null)
                Selected = Catalog.Find(Selected.QualifiedName);
        }
        catch (Exception ex) when (ex is CatalogUnavailableException or InvalidOperationException)
        {
            Catalog = null;
            Tree = [];
            CatalogError = ex is CatalogUnavailableException ? ex.Message : $"Could not read the catalog of {Source.DisplayName}: {ex.Message}";
        }
        finally
        {
            IsLoadingCatalog = false;
        }
    }

    private void ClearSample()
    {
        _sampleLoad?.Cancel();
        _sampleLoad = null;
        Sample = null;
        SampleRows = [];
        SampleError = null;
        IsLoadingSample = false;
    }
}
