using System.CommandLine;
using Marten;
using Registry.Api.Infrastructure;
using Registry.Api.Maintenance;

namespace Registry.Api.Cli;

/// <summary><c>rebuild</c>: replays the event store into every projection (registry stopped).</summary>
public static class RebuildVerb
{
    public static Command Create()
    {
        var command = new Command("rebuild", "Rebuild every projection (study, patient charts, outcome rows) from the event store. Stop the registry first.");
        command.SetAction(async (_, ct) =>
        {
            await using var database = await RegistryDatabase.OpenAsync(CliConfiguration.Load(), Console.Error.WriteLine);
            using var store = new DocumentStore(EventStoreConfiguration.Build(database.ConnectionString));
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await RebuildingProjections.RunAsync(store, Console.Error.WriteLine, ct);
            return 0;
        });
        return command;
    }
}
