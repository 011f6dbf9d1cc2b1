using Registry.Api.Accounts;
using Registry.Api.Cli;
using Registry.Api.DemoStudy;
using Registry.Api.Infrastructure;

// Pool threads block as soon as they run out of work instead of spinning for more (set before the first pool thread
// starts): on a node sharing its cores with PostgreSQL the spinning took the CPU a write's own statements wait for,
// and a verb is a batch job (docs/performance.md, "Writes, fifth round" and "Bulk, fourth round").
AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", 0);
if (!RegistryCli.Serves(args))
{
    BulkVerbRuntime.StartAgainWithoutPgo(args);
    return await RegistryCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Registry")))
{
    try { EmbeddedPostgres.FindBinaries(); }
    catch (PostgresNotInstalledException missing)
    {
        Console.Error.WriteLine(missing.Message);
        return 1;
    }
}

try
{
    builder.AddRegistry();
    var app = builder.Build();
    if (app.Configuration.GetValue("Registry:DemoStudy:LoadOnFirstRun", true))
        await DemoStudySeeding.SeedIfEmptyAsync(app.Services.GetRequiredService<RegistryDatabase>(), Console.Out, app.Lifetime.ApplicationStopping);
    var firstAdminPassword = app.Configuration.GetValue("Registry:FirstAdmin", true)
        ? await FirstAdmin.OpenIfNoUsersAsync(app.Services.GetRequiredService<UserDirectory>(), app.Lifetime.ApplicationStopping)
        : null;
    app.UseRegistry();
    if (firstAdminPassword is not null)
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
            $"First start: sign in at /signin as '{FirstAdmin.UserName}' with the one-time password {firstAdminPassword} (shown only now; you will choose your own)."));
    await app.RunAsync();
    return 0;
}
catch (RegistrySetupException setup)
{
    Console.Error.WriteLine(setup.Message);
    return 1;
}

public partial class Program;
