using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Marten;
using Registry.Api.Infrastructure;
using IStorageOperation = Weasel.Storage.IStorageOperation;

namespace Registry.Api.Patients;

/// <summary>
/// Saves of entries judged on their patients' charts, committed together: the saves that wait while one group is being
/// committed go next as one group — one batch, one transaction, one COMMIT (<see cref="OneRoundTripSave"/>) — so several
/// clients' writes share a round trip and a WAL flush. Nothing waits for a group to fill: a save that finds none being
/// committed goes at once. Each save is answered on its own: a group refused by the database (one member's append at a
/// version taken, its study amended) recorded nothing, and each of its members is then saved again alone, so only its own
/// refusal reaches it. A group that failed otherwise (the connection lost) may have committed, so every member is given
/// that failure and none is sent again: an entry is recorded once (docs/operations.md).
/// </summary>
public sealed class SaveGroups
{
    /// <summary>Saves committed together at most.</summary>
    public const int MostPerGroup = 32;

    private static readonly ConditionalWeakTable<IDocumentStore, SaveGroups> ByStore = new();

    private readonly IDocumentStore _store;
    private readonly Lock _lock = new();
    private readonly Queue<Member> _waiting = new();
    private bool _committing;

    private SaveGroups(IDocumentStore store) => _store = store;

    public static SaveGroups For(IDocumentStore store) => ByStore.GetValue(store, s => new SaveGroups(s));

    /// <summary>Whether a group is being committed (for tests).</summary>
    internal bool Committing
    {
        get { lock (_lock) return _committing; }
    }

    /// <summary>Saves waiting for the group being committed to finish (for tests).</summary>
    internal int Waiting
    {
        get { lock (_lock) return _waiting.Count; }
    }

    /// <summary>
    /// Saves what <paramref name="queue"/> queues on a session (and may queue again on another, should its group fail),
    /// with other saves queued meanwhile, and <paramref name="check"/>, sent once for a group however many of its saves
    /// bring an equal one (the study at the version their entries were judged under); throws what its own save alone threw
    /// (a refused append, a study amended).
    /// </summary>
    public async Task SaveAsync(IStorageOperation check, Func<IDocumentSession, Task> queue, CancellationToken ct)
    {
        var member = new Member(check, queue);
        bool leads;
        lock (_lock)
        {
            _waiting.Enqueue(member);
            leads = !_committing;
            _committing = true;
        }
        var turn = leads ? Turn.Lead : await member.Turn.Task;
        if (turn == Turn.Lead) turn = await CommitNextGroupAsync(member);
        // The group failed: saved alone, this save's own refusal, if any, is thrown here.
        if (turn == Turn.Alone) await CommitAsync([member], ct);
    }

    /// <summary>
    /// Commits the saves waiting (<paramref name="leader"/> first among them), hands the next group to the first save
    /// left waiting, and answers the others; returns the leader's own answer.
    /// </summary>
    private async Task<Turn> CommitNextGroupAsync(Member leader)
    {
        var group = new List<Member>();
        lock (_lock)
            while (group.Count < MostPerGroup && _waiting.TryDequeue(out var next)) group.Add(next);
        var answer = Turn.Saved;
        Exception? lost = null;
        try
        {
            // Not one request's cancellation: the group is the others' saves too.
            await CommitAsync(group, CancellationToken.None);
        }
        catch (Exception e) when (group.Count > 1)
        {
            if (RecordedNothing(e)) answer = Turn.Alone;
            else lost = e;
        }
        finally
        {
            // A leader alone in its group throws its own refusal, after handing over.
            HandOver();
        }
        foreach (var member in group)
            if (member == leader) continue;
            else if (lost is null) member.Turn.SetResult(answer);
            else member.Turn.SetException(lost);
        if (lost is not null) ExceptionDispatchInfo.Throw(lost);
        return answer;
    }

    /// <summary>The refusals raised before the batch's COMMIT, which roll the whole group back: saving each member again is safe.</summary>
    private static bool RecordedNothing(Exception e) => e is StudyAmendedMeanwhile || WriteConflicts.IsConcurrentWrite(e);

    private void HandOver()
    {
        Member? next;
        lock (_lock)
        {
            _committing = _waiting.TryPeek(out next);
        }
        next?.Turn.SetResult(Turn.Lead);
    }

    private async Task CommitAsync(IReadOnlyList<Member> group, CancellationToken ct)
    {
        await using var save = await OneRoundTripSave.StartAsync(_store, ct);
        foreach (var member in group) await member.Queue(save.Session);
        foreach (var check in group.Select(m => m.Check).Distinct()) save.Session.QueueOperation(check);
        await save.Session.SaveChangesAsync(ct);
    }

    private enum Turn { Saved, Lead, Alone }

    private sealed class Member(IStorageOperation check, Func<IDocumentSession, Task> queue)
    {
        public IStorageOperation Check { get; } = check;
        public Func<IDocumentSession, Task> Queue { get; } = queue;

        /// <summary>Answered from another save's thread; the answer's continuation must not run on it.</summary>
        public TaskCompletionSource<Turn> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
