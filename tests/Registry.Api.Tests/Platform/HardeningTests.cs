using System.Text;
using Alba;
using Npgsql;
using Registry.Api.Tests.Infrastructure;

namespace Registry.Api.Tests.Platform;

public sealed class HardeningTests(RegistryApp app) : IClassFixture<RegistryApp>
{
    [Fact]
    public async Task A_body_over_one_megabyte_is_refused_with_413_before_anything_is_recorded()
    {
        var oversized = $$"""{"code":"BIG","title":"{{new string('x', 1024 * 1024)}}","arms":[{"code":"C","name":"Chemo"}]}""";
        var problem = await (await app.RefusedAsync(413, s =>
        {
            s.WithBearerToken(app.Admin);
            s.Post.Text(oversized).ToUrl("/api/studies").ContentType("application/json");
        })).ProblemAsync();
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_database_failure_is_a_generic_problem_without_stack_trace_or_SQL()
    {
        await ExecuteAsync("alter table registry.mt_doc_study rename to mt_doc_study_hidden");
        try
        {
            var result = await app.Host.Scenario(s =>
            {
                s.WithBearerToken(app.Investigator);
                s.Get.Url("/api/studies");
                s.StatusCodeShouldBe(500);
            });
            var body = await result.ReadAsTextAsync();
            Assert.StartsWith("application/problem+json", result.Context.Response.ContentType);
            foreach (var leak in new[] { "mt_doc_study", "relation", "select", "Npgsql", "Exception", " at ", ".cs", "42P01" })
                Assert.DoesNotContain(leak, body, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await ExecuteAsync("alter table registry.mt_doc_study_hidden rename to mt_doc_study");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
