using NlAnalytics.Core.Agents;
using NlAnalytics.Tests.Infrastructure;

namespace NlAnalytics.Tests.Agents;

public sealed class ChangeRequestTests(AgentTeamDatabase database) : IClassFixture<AgentTeamDatabase>, IAsyncLifetime
{
    private ScriptedOpenAiServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    [Theory]
    [InlineData("delete all orders")]
    [InlineData("Delete the customers from Geneva")]
    [InlineData("please update the price of every product to 10")]
    [InlineData("Can you drop the table of regions?")]
    [InlineData("truncate the sales")]
    [InlineData("I want to modify the amounts of 2024")]
    [InlineData("insert a row with 5 units")]
    [InlineData("supprime toutes les commandes")]
    [InlineData("Supprimez les clients de Genève")]
    [InlineData("mets à jour le prix des produits")]
    [InlineData("peux-tu effacer les ventes de 2023 ?")]
    [InlineData("modifie la région du client 12")]
    public void A_request_to_change_data_is_recognised_in_english_and_french(string question) =>
        Assert.True(ChangeRequest.IsChangeRequest(question), question);

    [Theory]
    [InlineData("total sales by region")]
    [InlineData("How many orders were deleted last year?")]
    [InlineData("show the change in price over time")]
    [InlineData("add up the sales by month")]
    [InlineData("remove the filter on region")]
    [InlineData("change the chart to bars")]
    [InlineData("create a chart of sales by month")]
    [InlineData("which products had an update in March?")]
    [InlineData("combien de commandes ont été supprimées ?")]
    [InlineData("ventes par région")]
    [InlineData("the insert date of the latest rows")]
    public void Questions_about_data_are_not_change_requests(string question) =>
        Assert.False(ChangeRequest.IsChangeRequest(question), question);

    [Theory]
    [InlineData(AnalysisMode.Offline)]
    [InlineData(AnalysisMode.Hybrid)]
    [InlineData(AnalysisMode.Llm)]
    public async Task A_change_request_is_refused_plainly_in_every_mode_without_sql_or_a_model_call(AnalysisMode mode)
    {
        await using var services = AgentTeamServices.Create(_llm);

        var answer = await services.Orchestrator().AnswerAsync(new AnalystRequest(database.Source, "delete all orders", [], mode), null, CancellationToken.None);

        Assert.Null(answer.Sql);
        Assert.Null(answer.Result);
        Assert.Null(answer.Error);
        Assert.Equal(ChangeRequest.Refusal, answer.Narrative);
        Assert.Empty(_llm.ChatRequests);
        Assert.Empty(answer.Suggestions ?? []);
    }
}
