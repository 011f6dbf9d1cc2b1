using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Routing.Patterns;
using Wolverine.Http;

namespace Registry.Api.Infrastructure;

/// <summary>
/// A query parameter the route does not take (<c>?endpiont=os</c>) or one given twice (<c>?arm=A&amp;arm=B</c>) is
/// refused with 400 naming it, never ignored: ignored, the view silently answers a different question (the primary
/// endpoint). The parameters a route takes are its handler method's simple parameters that are not route values.
/// </summary>
public static class QueryParameters
{
    private static readonly ConcurrentDictionary<MethodInfo, IReadOnlySet<string>> Declared = new();

    public static void UseDeclaredQueryParameters(this WebApplication app) => app.Use(async (context, next) =>
    {
        var endpoint = context.GetEndpoint();
        if (context.Request.Query.Count == 0 || endpoint?.Metadata.GetMetadata<HttpChain>()?.Method.Method is not { } method || endpoint is not RouteEndpoint route)
        {
            await next(context);
            return;
        }
        var allowed = Declared.GetOrAdd(method, m => Names(m, route.RoutePattern));
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in context.Request.Query)
        {
            if (!allowed.Contains(name))
                errors[name] = [allowed.Count == 0
                    ? $"'{name}' is not a parameter of this route; it takes none."
                    : $"'{name}' is not a parameter of this route; it takes {string.Join(", ", allowed.Order(StringComparer.Ordinal))}."];
            else if (values.Count > 1) errors[name] = [$"{name} is given {values.Count} times; give it once (a list is comma-separated)."];
        }
        if (errors.Count > 0)
        {
            await RequestValidation.QueryProblem(errors).ExecuteAsync(context);
            return;
        }
        await next(context);
    });

    /// <summary>The query parameter names a Wolverine handler binds: its parameters of simple types that are not route values.</summary>
    private static IReadOnlySet<string> Names(MethodInfo method, RoutePattern pattern)
    {
        var route = pattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return method.GetParameters()
            .Where(p => p.Name is not null && !route.Contains(p.Name) && IsSimple(p.ParameterType))
            .Select(p => p.Name!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(Guid) || t == typeof(decimal)
            || t == typeof(DateOnly) || t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(TimeSpan);
    }
}
