using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;

namespace Registry.Api.Infrastructure;

/// <summary>
/// Wolverine's adapters for the registry's handlers and endpoints, written ahead of time into
/// <c>src/Registry.Api/Internal/Generated</c> and compiled with the registry. Outside Development the registry loads
/// them (<see cref="TypeLoadMode.Static"/>) and never loads the Roslyn compiler, which kept ≈ 100 MB resident.
/// </summary>
public static class GeneratedCode
{
    /// <summary>Setting that chooses the mode: <c>Static</c> (committed code) or <c>Dynamic</c> (compiled at run time).</summary>
    public const string ModeSetting = "Registry:GeneratedCode";

    /// <summary>The committed code's folder, relative to the Registry.Api project.</summary>
    public const string Folder = "Internal/Generated";

    /// <summary>Static unless configured, or unless the environment is Development (where handlers change and code is compiled as they do).</summary>
    public static TypeLoadMode Mode(IConfiguration configuration, IHostEnvironment environment) =>
        configuration[ModeSetting] is { Length: > 0 } mode
            ? Enum.Parse<TypeLoadMode>(mode, ignoreCase: true)
            : environment.IsDevelopment() ? TypeLoadMode.Dynamic : TypeLoadMode.Static;

    /// <summary>Composes the registry as the server does (without serving or opening its database) and writes its adapters.</summary>
    public static IReadOnlyList<string> WriteForRegistry(string directory)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(RegistryHost).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration[ModeSetting] = nameof(TypeLoadMode.Dynamic);
        builder.AddRegistry();
        using var app = builder.Build();
        app.UseRegistry();
        return Write(app.Services, directory);
    }

    /// <summary>Writes every adapter the host's handlers and endpoints need as one C# file each under <paramref name="directory"/>, replacing what was there.</summary>
    public static IReadOnlyList<string> Write(IServiceProvider services, string directory)
    {
        var collections = services.GetServices<ICodeFileCollection>().ToArray();
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        foreach (var collection in collections) collection.Rules.GeneratedCodeOutputPath = directory;
        var written = new List<string>();
        new DynamicCodeBuilder(services, collections) { ServiceVariableSource = services.GetService<IServiceVariableSource>() }
            .WriteGeneratedCode(written.Add);
        return written;
    }
}
