namespace Registry.Analytics.Subgroups;

/// <summary>
/// A subgroup variable's analysis with what it was fitted from (the subjects, and each one's level): a later analysis
/// of the variable takes from it every fit whose subjects' data are exactly the same, and fits again only the rest.
/// </summary>
public sealed class KeptSubgroupAnalysis
{
    internal KeptSubgroupAnalysis(SubgroupAnalysisResult result, SubgroupSubjects subjects, string[] levels, byte[]? level)
    {
        Result = result;
        Subjects = subjects;
        Levels = levels;
        Level = level;
    }

    public SubgroupAnalysisResult Result { get; }

    internal SubgroupSubjects Subjects { get; }

    /// <summary>The forest's rows in order.</summary>
    internal string[] Levels { get; }

    /// <summary>Each subject's level, an index into <see cref="Levels"/>; null when there are too many levels to keep them as bytes (nothing is taken then).</summary>
    internal byte[]? Level { get; }
}
