using System.CommandLine;
using Registry.Api.Infrastructure;

namespace Registry.Api.Cli;

/// <summary>
/// <c>codegen write</c>: rewrites the committed Wolverine adapters (<c>Internal/Generated</c>) after a handler, an endpoint or
/// a middleware changed. Composes the registry as the server does, without serving.
/// </summary>
public static class CodegenVerb
{
    public static Command Create()
    {
        var project = new Option<string>("--project")
        {
            Description = "The Registry.Api project folder to write Internal/Generated into (default: the one above the working directory).",
        };
        var write = new Command("write", "Rewrite Internal/Generated from the registry's current handlers and endpoints.") { project };
        write.SetAction(parse =>
        {
            var folder = parse.GetValue(project) ?? ProjectFolder(Directory.GetCurrentDirectory());
            if (folder is null)
            {
                Console.Error.WriteLine("No Registry.Api.csproj at or above the working directory; pass --project src/Registry.Api.");
                return 1;
            }
            var written = GeneratedCode.WriteForRegistry(Path.Combine(Path.GetFullPath(folder), GeneratedCode.Folder));
            Console.WriteLine($"Wrote {written.Count} files to {Path.Combine(folder, GeneratedCode.Folder)}.");
            return 0;
        });
        return new Command("codegen", "Wolverine's generated adapters for the handlers and endpoints (committed; see docs/operations.md).") { write };
    }

    private static string? ProjectFolder(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Registry.Api.csproj"))) return directory.FullName;
            var nested = Path.Combine(directory.FullName, "src", "Registry.Api");
            if (File.Exists(Path.Combine(nested, "Registry.Api.csproj"))) return nested;
        }
        return null;
    }
}
