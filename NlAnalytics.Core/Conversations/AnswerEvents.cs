using System.Runtime.CompilerServices;
using System.Threading.Channels;
using NlAnalytics.Core.Agents;
using NlAnalytics.Core.Data;

namespace NlAnalytics.Core.Conversations;

public enum AnswerEventKind { Status, Progress, Narrative, Answer }

/// <summary>One event of an answer as it is followed: its status, a step with its latest word, a chunk of narrative, or the finished message.</summary>
public sealed record AnswerEvent(AnswerEventKind Kind, MessageStatus? Status = null, AgentProgress? Progress = null, string? NarrativeDelta = null, MessageView? Message = null);

/// <summary>
/// Follows one answer for a client that cannot hold a circuit (the API's <c>GET /api/messages/{id}/events</c>): its status,
/// then every progress event the chat page gets from the same <see cref="RunningAnswer"/> (replayed from the start for a
/// client that comes late), then the finished message. An answer already finished gives its status and the message at once;
/// one that is waiting or runs on another instance is read again every <see cref="PollInterval"/> until it starts here or ends.
/// </summary>
public sealed class AnswerEvents(ConversationService conversations, TimeProvider clock)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The events of the user's answer to <paramref name="messageId"/>; nothing when there is no such message for them.</summary>
    public async IAsyncEnumerable<AnswerEvent> FollowAsync(string userId, Guid messageId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await conversations.MessageAsync(userId, messageId, cancellationToken) is not { } message)
            yield break;
        yield return new AnswerEvent(AnswerEventKind.Status, message.Status);
        while (message.CompletedAt is null)
        {
            if (conversations.Running(userId, messageId) is { } running)
            {
                await foreach (var progress in FollowAsync(running, cancellationToken))
                    yield return progress.NarrativeDelta is { } delta
                        ? new AnswerEvent(AnswerEventKind.Narrative, NarrativeDelta: delta)
                        : new AnswerEvent(AnswerEventKind.Progress, Progress: progress);
            }
            else
                await Task.Delay(PollInterval, clock, cancellationToken);
            if (await conversations.MessageAsync(userId, messageId, cancellationToken) is not { } reread)
                yield break; // its thread was deleted meanwhile
            message = reread;
        }
        yield return new AnswerEvent(AnswerEventKind.Answer, message.Status, Message: message);
    }

    /// <summary>Every event of <paramref name="running"/> from its first, until it has ended and been saved.</summary>
    private static async IAsyncEnumerable<AgentProgress> FollowAsync(RunningAnswer running, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The handler only wakes the loop; the events are read from the answer's own log, so none is lost or repeated.
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        void Wake(AgentProgress _) => wake.Writer.TryWrite(true);
        running.Progressed += Wake;
        try
        {
            var seen = 0;
            while (true)
            {
                var ended = running.Completion.IsCompleted;
                foreach (var progress in running.EventsAfter(seen))
                {
                    seen++;
                    yield return progress;
                }
                if (ended)
                    yield break;
                await Task.WhenAny(wake.Reader.ReadAsync(cancellationToken).AsTask(), running.Completion);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            running.Progressed -= Wake;
        }
    }
}
